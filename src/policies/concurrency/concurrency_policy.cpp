#include "policies/concurrency/concurrency_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rampart::policies {

namespace {

struct ConcurrencySlot final : PolicySlot {
  ConcurrencySlot(net::WorkerContext& worker, std::uint64_t& in_flight)
      : executor(worker.io.get_executor()), in_flight(in_flight) {}
  net::Executor executor;
  /// rampart_route_in_flight{route}, this worker's part: a stable reference taken once, as
  /// it changes twice per request (add() would build a key and look it up each time).
  std::uint64_t& in_flight;
};

/// A request's place at one route's limiter: queued, then holding a slot. Whatever ends the
/// request, destroying the ticket leaves the limiter as if the request had never come.
class Ticket final : public http::ExchangeHold {
 public:
  enum class State : std::uint8_t { queued, holding, left };

  Ticket(std::shared_ptr<ConcurrencyLimiter> limiter, std::uint64_t& in_flight)
      : limiter_(std::move(limiter)), in_flight_(in_flight) {}
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket() override {
    if (state_ == State::queued && limiter_->abandon(*waiter_)) {
      return;  // left the queue before its turn
    }
    if (state_ == State::left) {
      return;
    }
    if (state_ == State::holding) {
      add_in_flight(~std::uint64_t{0});  // -1: the family's counts add modulo 2^64
    }
    limiter_->release();  // holding, or granted while it was being abandoned
  }

  void hold() {
    state_ = State::holding;
    waiter_.reset();
    add_in_flight(1);
  }
  void queue(std::shared_ptr<ConcurrencyWaiter> waiter,
             std::chrono::steady_clock::time_point deadline) {
    state_ = State::queued;
    waiter_ = std::move(waiter);
    deadline_ = deadline;
  }
  /// Out of the queue at its timeout. False when a slot was handed over just before: then the
  /// ticket holds it.
  bool leave() {
    if (limiter_->abandon(*waiter_)) {
      state_ = State::left;
      waiter_.reset();
      return true;
    }
    hold();
    return false;
  }

  State state() const { return state_; }
  bool granted() const { return limiter_->granted(*waiter_); }
  ConcurrencyWaiter& waiter() { return *waiter_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  void add_in_flight(std::uint64_t n) { in_flight_ += n; }

  std::shared_ptr<ConcurrencyLimiter> limiter_;
  std::uint64_t& in_flight_;
  State state_ = State::left;
  std::shared_ptr<ConcurrencyWaiter> waiter_;
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace

std::unique_ptr<PolicySlot> ConcurrencyPolicy::make_slot(net::WorkerContext& worker) const {
  worker.metrics.declare(kRouteInFlight);
  const std::string_view labels[] = {route_};
  return std::make_unique<ConcurrencySlot>(worker, worker.metrics.counter(kRouteInFlight, labels));
}

Verdict ConcurrencyPolicy::overloaded(http::Exchange& exchange, std::string_view reason) const {
  // A queue that stays full for queue_timeout frees up about that soon.
  const auto seconds = std::max<long long>(
      1, std::chrono::ceil<std::chrono::seconds>(settings_.queue_timeout).count());
  fmt::format_to(std::back_inserter(exchange.reply.headers), "Retry-After: {}\r\n", seconds);
  return respond(exchange, http::Problem::of(http::ProblemCode::overloaded,
                                             "too many requests in progress on this route")
                               .because(reason));
}

Verdict ConcurrencyPolicy::on_request(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = static_cast<ConcurrencySlot&>(*slot_base);
  auto ticket = std::make_unique<Ticket>(limiter_, slot.in_flight);
  // A waiter (a timer) is made only when the route is full: most requests never queue.
  std::shared_ptr<ConcurrencyWaiter> waiter;
  auto admission = limiter_->admit(nullptr);
  if (admission == ConcurrencyLimiter::Admission::refused && settings_.queue > 0) {
    waiter = std::make_shared<ConcurrencyWaiter>(slot.executor);
    admission = limiter_->admit(waiter);  // a slot may have come free meanwhile: granted then
  }
  switch (admission) {
    case ConcurrencyLimiter::Admission::granted:
      ticket->hold();
      exchange.hold = std::move(ticket);
      return Verdict::next;
    case ConcurrencyLimiter::Admission::queued:
      ticket->queue(std::move(waiter), std::chrono::steady_clock::now() + settings_.queue_timeout);
      exchange.hold = std::move(ticket);
      return Verdict::pending;
    case ConcurrencyLimiter::Admission::refused:
      break;
  }
  return overloaded(exchange, "queue_full");
}

net::Task<Verdict> ConcurrencyPolicy::wait(http::Exchange& exchange, PolicySlot*) const {
  auto* ticket = dynamic_cast<Ticket*>(exchange.hold.get());
  if (ticket == nullptr || ticket->state() != Ticket::State::queued) {
    co_return Verdict::next;
  }
  // Checked before every wait, on this thread: a hand-over's cancel that ran before the wait
  // started would otherwise be lost until the timeout.
  while (!ticket->granted() && std::chrono::steady_clock::now() < ticket->deadline()) {
    auto& timer = ticket->waiter().timer;
    timer.expires_at(ticket->deadline());
    auto [ec] = co_await timer.async_wait(net::use_tuple);
    if (ec == net::asio::error::operation_aborted && !ticket->granted()) {
      // Not a hand-over: the pipeline's deadline (or the connection) cancelled the wait; the
      // ticket leaves the queue when the Exchange drops it.
      co_return Verdict::pending;
    }
  }
  if (ticket->granted() || !ticket->leave()) {
    if (ticket->state() == Ticket::State::queued) {
      ticket->hold();
    }
    co_return Verdict::next;
  }
  co_return overloaded(exchange, "queue_timeout");
}

}  // namespace rampart::policies
