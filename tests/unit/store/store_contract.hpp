#pragma once
// The behaviour every Store must have (src/store/store.hpp), written once and run against each
// backend so that SQLite and PostgreSQL cannot drift apart.
//
// To run it against a backend, write a class that gives one test its own store:
//
//   class MyBackend {
//    public:
//     MyBackend();                        // makes a fresh, empty store (temp file, database...)
//     ~MyBackend();                       // removes it; every Store object is closed by then
//     std::unique_ptr<Store> open();      // the factory: a new Store object, with its own
//                                         // connection, on that same store, at every call
//     void stamp_schema_version(int v);   // records version v in schema_version behind the
//                                         // store's back, as a newer rampart would have
//     std::string skip_reason();          // optional: non-empty skips the test (no server)
//   };
//
// and, in that backend's *_test.cpp:
//
//   #include "store_contract.hpp"
//   INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContract, MyBackend);
//
// Typed rather than value-parameterized: the tests are templates, so several test files of the
// one test binary can include this header without defining anything twice.
//
// What messages must hold: every StoreError starts "store " (then the URL without password), and
// a store newer than the binary is refused with a message containing "newer".

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/migrations.hpp"
#include "store/store.hpp"

namespace rampart::store::contract {

/// A key whose secret holds a NUL and a 0xff byte (BLOB/BYTEA, not text).
inline ApiKeyRecord sample_key(const std::string& id, std::int64_t created) {
  ApiKeyRecord key;
  key.id = id;
  key.secret_sha256.resize(32);
  for (std::size_t i = 0; i < key.secret_sha256.size(); ++i) {
    key.secret_sha256[i] = static_cast<char>(i * 8 + static_cast<unsigned char>(id.back()));
  }
  key.secret_sha256.front() = '\0';
  key.secret_sha256.back() = '\xff';
  key.name = "key " + id;
  key.created = created;
  return key;
}

inline AdminUser sample_user(const std::string& name) {
  return AdminUser{name, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", 1'700'000'000};
}

inline void expect_same_key(const ApiKeyRecord& actual, const ApiKeyRecord& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.secret_sha256, expected.secret_sha256) << expected.id;
  EXPECT_EQ(actual.name, expected.name) << expected.id;
  EXPECT_EQ(actual.tier, expected.tier) << expected.id;
  EXPECT_EQ(actual.created, expected.created) << expected.id;
  EXPECT_EQ(actual.expires, expected.expires) << expected.id;
  EXPECT_EQ(actual.revoked, expected.revoked) << expected.id;
  EXPECT_EQ(actual.last_used, expected.last_used) << expected.id;
}

inline std::vector<std::string> ids_of(const std::vector<ApiKeyRecord>& keys) {
  std::vector<std::string> ids;
  for (const auto& key : keys) {
    ids.push_back(key.id);
  }
  return ids;
}

/// The message of the StoreError that `action` throws; a failure when it throws none.
template <class Action>
std::string store_error_of(Action&& action) {
  try {
    action();
  } catch (const StoreError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no StoreError thrown";
  return {};
}

}  // namespace rampart::store::contract

namespace rampart::store {

template <class Backend>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_unique<Backend>();
    if constexpr (requires(Backend & b) { b.skip_reason(); }) {
      if (auto reason = backend_->skip_reason(); !reason.empty()) {
        GTEST_SKIP() << reason;
      }
    }
    store_ = backend_->open();
  }
  void TearDown() override {
    store_.reset();  // closed before the backend removes the store
    backend_.reset();
  }

  /// The store opened for this test, not migrated yet.
  Store& store() { return *store_; }
  /// A migrated store.
  Store& migrated() {
    store_->migrate();
    return *store_;
  }
  /// Another Store object (connection) on the same store, as another process would have.
  std::unique_ptr<Store> open_again() { return backend_->open(); }
  Backend& backend() { return *backend_; }

 private:
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreContract);

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TYPED_TEST_P(StoreContract, MigratesFromZeroAndAgainChangesNothing) {
  const int latest = latest_schema_version();
  EXPECT_EQ(this->store().schema_version(), 0);
  EXPECT_EQ(this->store().migrate(), latest);
  EXPECT_EQ(this->store().schema_version(), latest);
  EXPECT_EQ(this->store().migrate(), latest);
  auto other = this->open_again();
  EXPECT_EQ(other->schema_version(), latest);
  EXPECT_EQ(other->migrate(), latest);
  EXPECT_TRUE(other->list_keys().empty());
  EXPECT_TRUE(other->list_users().empty());
}

TYPED_TEST_P(StoreContract, RefusesASchemaNewerThanItKnows) {
  auto& store = this->migrated();
  store.insert_key(contract::sample_key("kept0001", 1));
  const int newer = latest_schema_version() + 1;
  this->backend().stamp_schema_version(newer);
  EXPECT_EQ(store.schema_version(), newer);
  auto message = contract::store_error_of([&] { store.migrate(); });
  EXPECT_THAT(message, StartsWith("store "));
  EXPECT_THAT(message, HasSubstr("newer"));
  EXPECT_THAT(message, HasSubstr(std::to_string(newer)));
  EXPECT_THAT(contract::store_error_of([&] { this->open_again()->migrate(); }), HasSubstr("newer"));
  EXPECT_TRUE(store.find_key("kept0001"));
}

TYPED_TEST_P(StoreContract, InsertsListsAndFindsKeys) {
  auto& store = this->migrated();
  auto second = contract::sample_key("bbbb2222", 1'700'000'200);
  auto first = contract::sample_key("aaaa1111", 1'700'000'100);
  first.tier = "pro";
  store.insert_key(second);
  store.insert_key(first);
  auto keys = store.list_keys();
  ASSERT_THAT(contract::ids_of(keys), ElementsAre("aaaa1111", "bbbb2222"));  // oldest first
  contract::expect_same_key(keys[0], first);
  contract::expect_same_key(keys[1], second);
  auto found = store.find_key("bbbb2222");
  ASSERT_TRUE(found);
  contract::expect_same_key(*found, second);
  EXPECT_FALSE(store.find_key("cccc3333"));
  EXPECT_FALSE(store.find_key(""));
  EXPECT_FALSE(store.find_key("AAAA1111"));  // ids are compared exactly
}

TYPED_TEST_P(StoreContract, RevokesAKeyOnce) {
  auto& store = this->migrated();
  store.insert_key(contract::sample_key("revoke01", 1));
  store.insert_key(contract::sample_key("keep0001", 2));
  EXPECT_TRUE(store.revoke_key("revoke01", 1'700'000'500));
  EXPECT_FALSE(store.revoke_key("revoke01", 1'700'000'900));
  EXPECT_FALSE(store.revoke_key("unknown1", 1'700'000'500));
  EXPECT_EQ(store.find_key("revoke01")->revoked, 1'700'000'500);  // the first revocation stays
  EXPECT_EQ(store.find_key("keep0001")->revoked, std::nullopt);
  EXPECT_EQ(store.list_keys().size(), 2u);  // revoked keys are still listed
}

TYPED_TEST_P(StoreContract, RefusesADuplicateKeyId) {
  auto& store = this->migrated();
  auto original = contract::sample_key("dup00001", 1);
  store.insert_key(original);
  auto copy = contract::sample_key("dup00001", 2);
  copy.name = "intruder";
  auto message = contract::store_error_of([&] { store.insert_key(copy); });
  EXPECT_THAT(message, StartsWith("store "));
  EXPECT_THAT(message, HasSubstr("dup00001"));
  ASSERT_EQ(store.list_keys().size(), 1u);
  contract::expect_same_key(*store.find_key("dup00001"), original);
}

TYPED_TEST_P(StoreContract, KeepsOptionalTimesAsGiven) {
  auto& store = this->migrated();
  auto bare = contract::sample_key("bare0001", 1'700'000'000);
  auto full = contract::sample_key("full0001", 1'700'000'001);
  full.expires = 4'102'444'800;  // 2100: past 32 bits
  full.revoked = 0;              // zero is a time, not "absent"
  full.last_used = -1;
  store.insert_key(bare);
  store.insert_key(full);
  auto other = this->open_again();
  contract::expect_same_key(*other->find_key("bare0001"), bare);
  contract::expect_same_key(*other->find_key("full0001"), full);
}

TYPED_TEST_P(StoreContract, StoresHostileTextVerbatim) {
  auto& store = this->migrated();
  const std::vector<std::string> texts = {
      "'; DROP TABLE api_keys; --", "\" OR 1=1 --", "back\\slash %s %n ?1 $1",
      "line\nbreak\ttab",           "ünïcødé ✓ 🔑",  std::string(1000, 'x')};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto key = contract::sample_key("hostile" + std::to_string(i), static_cast<std::int64_t>(i));
    key.name = texts[i];
    key.tier = texts[i];
    store.insert_key(key);
    contract::expect_same_key(*store.find_key(key.id), key);
    AdminUser user{texts[i], texts[i], 7};
    store.add_user(user);
    auto found = store.find_user(texts[i]);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->password_hash, texts[i]);
  }
  EXPECT_EQ(store.list_keys().size(), texts.size());
  EXPECT_EQ(store.list_users().size(), texts.size());
  EXPECT_FALSE(store.find_key("' OR '1'='1"));
}

TYPED_TEST_P(StoreContract, RecordsLastUsedInABatchWithoutChangingTheVersion) {
  auto& store = this->migrated();
  for (const char* id : {"used0001", "used0002", "idle0001"}) {
    store.insert_key(contract::sample_key(id, 1));
  }
  auto version = store.change_version();
  store.record_last_used({{"used0001", 1'700'000'100}, {"used0002", 1'700'000'200}});
  store.record_last_used({{"gone0001", 1'700'000'300}});  // a key that is not there: ignored
  store.record_last_used({});
  EXPECT_EQ(store.find_key("used0001")->last_used, 1'700'000'100);
  EXPECT_EQ(store.find_key("used0002")->last_used, 1'700'000'200);
  EXPECT_EQ(store.find_key("idle0001")->last_used, std::nullopt);
  EXPECT_EQ(store.change_version(), version);
  EXPECT_EQ(this->open_again()->change_version(), version);
}

TYPED_TEST_P(StoreContract, LastUsedNeverGoesBack) {
  // Instances flush their batches in any order: a late, older batch must not win.
  auto& store = this->migrated();
  store.insert_key(contract::sample_key("used0001", 1));
  store.record_last_used({{"used0001", 1'700'000'500}});
  this->open_again()->record_last_used({{"used0001", 1'700'000'400}});
  EXPECT_EQ(store.find_key("used0001")->last_used, 1'700'000'500);
  store.record_last_used({{"used0001", 1'700'000'600}});
  EXPECT_EQ(store.find_key("used0001")->last_used, 1'700'000'600);
}

TYPED_TEST_P(StoreContract, ChangeVersionMovesOnEveryKeyAndUserWrite) {
  auto& store = this->migrated();
  auto watcher = this->open_again();  // a running instance polling from another connection
  std::vector<std::uint64_t> seen = {watcher->change_version()};
  auto expect_moved = [&](const char* write) {
    auto now = watcher->change_version();
    EXPECT_NE(now, seen.back()) << "after " << write;
    EXPECT_EQ(store.change_version(), now) << "after " << write;
    seen.push_back(now);
  };
  store.insert_key(contract::sample_key("change01", 1));
  expect_moved("insert_key");
  ASSERT_TRUE(store.revoke_key("change01", 2));
  expect_moved("revoke_key");
  store.add_user(contract::sample_user("alice"));
  expect_moved("add_user");
  ASSERT_TRUE(store.remove_user("alice"));
  expect_moved("remove_user");
  watcher->insert_key(contract::sample_key("change02", 3));  // written by the other side
  auto now = store.change_version();
  EXPECT_NE(now, seen.back());
  EXPECT_EQ(this->open_again()->change_version(), now);
}

TYPED_TEST_P(StoreContract, AddsListsFindsAndRemovesUsers) {
  auto& store = this->migrated();
  store.add_user(contract::sample_user("bob"));
  store.add_user(AdminUser{"alice", "$argon2id$other", 1'700'000'001});
  auto users = store.list_users();
  ASSERT_EQ(users.size(), 2u);
  std::sort(users.begin(), users.end(), [](auto& a, auto& b) { return a.name < b.name; });
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[0].password_hash, "$argon2id$other");
  EXPECT_EQ(users[0].created, 1'700'000'001);
  EXPECT_EQ(users[1].name, "bob");
  auto found = this->open_again()->find_user("bob");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->password_hash, contract::sample_user("bob").password_hash);
  EXPECT_EQ(found->created, contract::sample_user("bob").created);
  EXPECT_FALSE(store.find_user("carol"));
  EXPECT_FALSE(store.find_user("Bob"));
  EXPECT_TRUE(store.remove_user("bob"));
  EXPECT_FALSE(store.remove_user("bob"));
  EXPECT_FALSE(store.remove_user("carol"));
  EXPECT_FALSE(store.find_user("bob"));
  ASSERT_EQ(store.list_users().size(), 1u);
}

TYPED_TEST_P(StoreContract, RefusesADuplicateUser) {
  auto& store = this->migrated();
  store.add_user(contract::sample_user("alice"));
  auto message = contract::store_error_of([&] {
    store.add_user(AdminUser{"alice", "$argon2id$intruder", 5});
  });
  EXPECT_THAT(message, StartsWith("store "));
  EXPECT_THAT(message, HasSubstr("alice"));
  EXPECT_EQ(store.find_user("alice")->password_hash, contract::sample_user("alice").password_hash);
}

TYPED_TEST_P(StoreContract, AnswersAPing) {
  EXPECT_TRUE(this->store().ping());
  EXPECT_TRUE(this->migrated().ping());
}

TYPED_TEST_P(StoreContract, MarksAWebhookSignatureOnceUntilItExpires) {
  auto& store = this->migrated();
  EXPECT_TRUE(store.mark_replay("stripe", "sig-1", 1'000'300, 1'000'000));
  EXPECT_FALSE(store.mark_replay("stripe", "sig-1", 1'000'400, 1'000'100));  // a replay
  EXPECT_FALSE(this->open_again()->mark_replay("stripe", "sig-1", 1'000'400, 1'000'100));
  EXPECT_TRUE(store.mark_replay("github", "sig-1", 1'000'300, 1'000'000));  // another scheme
  EXPECT_TRUE(store.mark_replay("stripe", "sig-2", 1'000'300, 1'000'000));
  // Once its mark expired, the same signature is new again (and marked anew).
  EXPECT_TRUE(store.mark_replay("stripe", "sig-1", 1'000'700, 1'000'300));
  EXPECT_FALSE(store.mark_replay("stripe", "sig-1", 1'000'800, 1'000'500));
  store.purge_replays(1'000'301);  // sig-2 and github's go; stripe sig-1 (1'000'700) stays
  EXPECT_FALSE(store.mark_replay("stripe", "sig-1", 1'000'800, 1'000'500));
  EXPECT_TRUE(store.mark_replay("stripe", "sig-2", 1'000'800, 1'000'302));
}

REGISTER_TYPED_TEST_SUITE_P(StoreContract, MigratesFromZeroAndAgainChangesNothing,
                            RefusesASchemaNewerThanItKnows, InsertsListsAndFindsKeys,
                            RevokesAKeyOnce, RefusesADuplicateKeyId, KeepsOptionalTimesAsGiven,
                            StoresHostileTextVerbatim,
                            RecordsLastUsedInABatchWithoutChangingTheVersion, LastUsedNeverGoesBack,
                            ChangeVersionMovesOnEveryKeyAndUserWrite, AddsListsFindsAndRemovesUsers,
                            RefusesADuplicateUser, AnswersAPing,
                            MarksAWebhookSignatureOnceUntilItExpires);

}  // namespace rampart::store
