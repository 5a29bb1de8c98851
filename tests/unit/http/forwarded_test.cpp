#include "http/forwarded.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rampart::http {
namespace {

struct Resolved {
  std::string client_ip;
  std::string forwarded_for;
};

Resolved resolve(std::string_view peer, const char* xff, const std::vector<std::string>& cidrs) {
  std::vector<config::Cidr> trusted;
  for (const auto& c : cidrs) {
    trusted.push_back(*config::Cidr::parse(c));
  }
  std::string_view value = xff ? xff : "";
  Resolved out;
  resolve_client(boost::asio::ip::make_address(std::string(peer)), peer, xff ? &value : nullptr,
                 trusted, out.client_ip, out.forwarded_for);
  return out;
}

TEST(ResolveClient, AnUntrustedPeersForwardedForIsReplaced) {
  auto r = resolve("203.0.113.7", "1.2.3.4", {});
  EXPECT_EQ(r.client_ip, "203.0.113.7");
  EXPECT_EQ(r.forwarded_for, "203.0.113.7");
  r = resolve("203.0.113.7", "1.2.3.4", {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "203.0.113.7");
  EXPECT_EQ(r.forwarded_for, "203.0.113.7");
}

TEST(ResolveClient, ATrustedPeerIsWalkedRightToLeftPastTrustedHops) {
  auto r = resolve("10.0.0.1", "198.51.100.9, 10.0.0.5", {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "198.51.100.9");
  EXPECT_EQ(r.forwarded_for, "198.51.100.9, 10.0.0.5, 10.0.0.1");
  // The right-most untrusted entry wins: a client cannot choose by prepending.
  r = resolve("10.0.0.1", "6.6.6.6, 198.51.100.9", {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "198.51.100.9");
}

TEST(ResolveClient, TheWalkStopsAtAnEntryThatIsNotAnAddress) {
  auto r = resolve("10.0.0.1", "6.6.6.6, garbage, 10.0.0.5", {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "10.0.0.5");
  r = resolve("10.0.0.1", "", {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "10.0.0.1");
  r = resolve("10.0.0.1", nullptr, {"10.0.0.0/8"});
  EXPECT_EQ(r.client_ip, "10.0.0.1");
  EXPECT_EQ(r.forwarded_for, "10.0.0.1");
}

TEST(ResolveClient, IPv6PeersAndEntries) {
  auto r = resolve("::1", "2001:db8::7", {"::1/128"});
  EXPECT_EQ(r.client_ip, "2001:db8::7");
}

}  // namespace
}  // namespace rampart::http
