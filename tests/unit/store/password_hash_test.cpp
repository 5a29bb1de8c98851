#include "store/password_hash.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace rampart::store {
namespace {

using namespace std::string_literals;

TEST(PasswordHashTest, RoundTrip) {
  std::string encoded = hash_password("correct horse battery staple");
  EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
}

TEST(PasswordHashTest, WrongPasswordRefused) {
  std::string encoded = hash_password("correct horse battery staple");
  EXPECT_FALSE(verify_password("correct horse battery stapler", encoded));
  EXPECT_FALSE(verify_password("Correct horse battery staple", encoded));
  EXPECT_FALSE(verify_password("correct horse battery stapl", encoded));
  EXPECT_FALSE(verify_password("x", encoded));
}

TEST(PasswordHashTest, EncodedNamesArgon2idAndTheParameters) {
  // '@' is not in base64: the password can appear in the encoding only if it leaked there.
  std::string encoded = hash_password("p@w");
  std::string prefix = "$argon2id$v=19$m=" + std::to_string(kArgon2MemoryKiB) +
                       ",t=" + std::to_string(kArgon2Iterations) +
                       ",p=" + std::to_string(kArgon2Parallelism) + "$";
  EXPECT_EQ(encoded.substr(0, prefix.size()), prefix) << encoded;
  EXPECT_EQ(prefix, "$argon2id$v=19$m=19456,t=2,p=1$");
  // salt and hash: unpadded base64 of 16 and 32 bytes.
  std::string rest = encoded.substr(prefix.size());
  auto dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos) << encoded;
  EXPECT_EQ(dollar, 22u) << encoded;
  EXPECT_EQ(rest.size() - dollar - 1, 43u) << encoded;
  EXPECT_EQ(encoded.find("p@w"), std::string::npos);
}

TEST(PasswordHashTest, SamePasswordTwiceGivesDifferentHashes) {
  std::string first = hash_password("same password");
  std::string second = hash_password("same password");
  EXPECT_NE(first, second);
  EXPECT_TRUE(verify_password("same password", first));
  EXPECT_TRUE(verify_password("same password", second));
}

TEST(PasswordHashTest, LongPasswordIsNotTruncated) {
  std::string password;
  for (int i = 0; i < 200; ++i) {
    password += static_cast<char>('a' + i % 26);
  }
  std::string encoded = hash_password(password);
  EXPECT_TRUE(verify_password(password, encoded));
  // bcrypt ignores everything past byte 72: argon2id must not.
  EXPECT_FALSE(verify_password(password.substr(0, 72), encoded));
  EXPECT_FALSE(verify_password(password.substr(0, 199), encoded));
  std::string last_changed = password;
  last_changed.back() = '!';
  EXPECT_FALSE(verify_password(last_changed, encoded));
}

TEST(PasswordHashTest, NulBytesInsideThePasswordMatter) {
  std::string password = "abc\0def"s;
  ASSERT_EQ(password.size(), 7u);
  std::string encoded = hash_password(password);
  EXPECT_TRUE(verify_password(password, encoded));
  EXPECT_FALSE(verify_password("abc", encoded));
  EXPECT_FALSE(verify_password("abc\0dex"s, encoded));
  EXPECT_FALSE(verify_password("abc\0def\0"s, encoded));
  // A leading NUL too: the length is passed, never found by strlen.
  std::string leading = "\0secret"s;
  EXPECT_TRUE(verify_password(leading, hash_password(leading)));
  EXPECT_FALSE(verify_password("\0other"s, hash_password(leading)));
}

TEST(PasswordHashTest, AnyBytePasswordRoundTrips) {
  std::string password;
  for (int byte = 0; byte < 256; ++byte) {
    password += static_cast<char>(byte);
  }
  EXPECT_TRUE(verify_password(password, hash_password(password)));
}

TEST(PasswordHashTest, EmptyPasswordRefused) {
  try {
    hash_password("");
    FAIL() << "an empty password was hashed";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "password is empty");
  }
  EXPECT_FALSE(verify_password("", hash_password("x")));
}

TEST(PasswordHashTest, OverLongPasswordRefused) {
  std::string at_bound(kMaxPasswordBytes, 'p');
  std::string encoded = hash_password(at_bound);
  EXPECT_TRUE(verify_password(at_bound, encoded));
  std::string over(kMaxPasswordBytes + 1, 'p');
  try {
    hash_password(over);
    FAIL() << "a password over the bound was hashed";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "password is longer than 4096 bytes");
  }
  EXPECT_FALSE(verify_password(over, encoded));
}

TEST(PasswordHashTest, MalformedEncodedStringsNeverVerify) {
  std::string good = hash_password("pw");
  std::string tail = good.substr(good.find("$", 20));  // "$<salt>$<hash>"
  const std::string bad[] = {
      "",
      "pw",
      "$argon2i$v=19$m=19456,t=2,p=1" + tail,  // another argon2 variant
      "$argon2d$v=19$m=19456,t=2,p=1" + tail,
      "$argon2id$v=16$m=19456,t=2,p=1" + tail,  // the old version
      "$argon2id$m=19456,t=2,p=1" + tail,
      "$argon2id$v=19$m=19456,t=2" + tail,
      "$argon2id$v=19$m=,t=2,p=1" + tail,
      "$argon2id$v=19$m=99999999999,t=2,p=1" + tail,
      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  // bcrypt
      good.substr(0, good.size() - 1),
      good + "A",
      good.substr(0, 10) + '\0' + good.substr(10),
  };
  for (const auto& encoded : bad) {
    EXPECT_FALSE(verify_password("pw", encoded)) << encoded;
  }
  EXPECT_TRUE(verify_password("pw", good));
}

TEST(PasswordHashTest, StoredParametersOverTheBoundsAreNotSpent) {
  // A store row edited to ask for 4 GiB (or 1000 passes) is refused before libargon2 allocates.
  std::string good = hash_password("pw");
  std::string tail = good.substr(good.find("$", 20));
  EXPECT_FALSE(verify_password("pw", "$argon2id$v=19$m=4194304,t=2,p=1" + tail));
  EXPECT_FALSE(verify_password("pw", "$argon2id$v=19$m=19456,t=1000,p=1" + tail));
  EXPECT_FALSE(verify_password("pw", "$argon2id$v=19$m=19456,t=2,p=64" + tail));
}

TEST(PasswordHashTest, ReferenceImplementationVectorVerifies) {
  // The argon2 reference implementation's known answer (its src/test.c, also in RustCrypto's
  // and other implementations' tests): "password" with salt "somesalt", m=64 MiB, t=2, p=1.
  // Other parameters than ours verify too: the encoded form carries them, so raising the
  // constants later keeps old hashes valid.
  const std::string reference =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  EXPECT_TRUE(verify_password("password", reference));
  EXPECT_FALSE(verify_password("passwore", reference));
  std::string flipped = reference;
  flipped[flipped.rfind('$') + 1] = 'D';  // the tag's first byte
  EXPECT_FALSE(verify_password("password", flipped));
}

}  // namespace
}  // namespace rampart::store
