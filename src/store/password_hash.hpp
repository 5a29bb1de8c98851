#pragma once
// Admin user passwords (SPEC §1 `users`): argon2id through libargon2, stored in the PHC encoded
// form "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", which names its own parameters so a
// hash made with older parameters still verifies after they are raised.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::store {

/// The argon2id cost of every new hash: OWASP's Password Storage Cheat Sheet configuration
/// "m=19456 (19 MiB), t=2, p=1". Why not RFC 9106's second option (64 MiB, t=3, p=4): the
/// dashboard will verify passwords inside the gateway process, on a login path any client can
/// reach, and each verification in flight holds its memory and a core. Measured on a 2-core box:
/// 25 ms and 19 MiB per hash here, 150 ms and 64 MiB for RFC 9106's option, so 20
/// concurrent bad logins cost 0.4 GiB and 0.5 core-seconds rather than 1.3 GiB and 3.
inline constexpr std::uint32_t kArgon2MemoryKiB = 19456;
/// Passes over memory: OWASP pairs t=2 with 19 MiB for the same strength as t=1 with 46 MiB.
inline constexpr std::uint32_t kArgon2Iterations = 2;
/// One lane: libargon2 starts a thread per lane per pass, and a single lane keeps the work on
/// the calling thread, never more than one core per login.
inline constexpr std::uint32_t kArgon2Parallelism = 1;
/// RFC 9106 §3.1 recommends 128 bits of salt; drawn from OpenSSL's RAND_bytes for each hash.
inline constexpr std::size_t kArgon2SaltBytes = 16;
/// RFC 9106 §4's recommended tag length (256 bits).
inline constexpr std::size_t kArgon2HashBytes = 32;

/// The longest password accepted, in bytes. argon2 itself takes up to 4 GiB and truncates
/// nothing; the bound only caps the pre-hashing work and memory one call can be made to do.
inline constexpr std::size_t kMaxPasswordBytes = 4096;

/// The bounds on the parameters of a stored hash that verify_password accepts: a store row
/// edited to ask for m=4 GiB must not make every login allocate 4 GiB. They leave room to raise
/// the constants above several times over.
inline constexpr std::uint32_t kMaxVerifyMemoryKiB = 256 * 1024;
inline constexpr std::uint32_t kMaxVerifyIterations = 16;
inline constexpr std::uint32_t kMaxVerifyParallelism = 8;

/// Hashes `password` (any bytes, NUL included; never truncated) with argon2id, the parameters
/// above and a fresh random salt; returns the encoded form. Throws std::invalid_argument for an
/// empty password or one longer than kMaxPasswordBytes (the message never contains the
/// password), std::runtime_error when the random generator or libargon2 fails.
std::string hash_password(std::string_view password);

/// Whether `password` is the one `encoded` was made from, compared in constant time by
/// libargon2's argon2id_verify. False, without hashing, for an empty or over-long password and
/// for an encoded string that is not argon2id v=19 within the kMaxVerify* bounds. Never throws,
/// so a login path can call it as is.
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace rampart::store
