#include "policies/policy.hpp"

namespace rampart::policies {

net::Task<Verdict> Policy::wait(http::Exchange&, PolicySlot*) const {
  // Only a policy that answers pending needs a wait of its own.
  co_return Verdict::next;
}

}  // namespace rampart::policies
