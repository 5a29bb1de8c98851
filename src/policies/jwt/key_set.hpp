#pragma once
// The keys of one issuer at one moment: a JWKS as parsed, or the one key of a `secret:` or
// `public_key_file:` issuer. Immutable once made and shared by every worker.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policies/jwt/jose.hpp"

namespace rampart::policies::jwt {

/// A JWKS response larger than this is refused whole (and the set kept): a key set is a few
/// KiB; a megabyte is an endpoint gone wrong, or one trying to make every instance parse it.
inline constexpr std::size_t kMaxJwksBytes = 1024 * 1024;
/// Usable keys kept from one JWKS; providers publish two or three.
inline constexpr std::size_t kMaxJwksKeys = 64;

/// One key of a set. `serial` names the key object for as long as the process runs: a key
/// unchanged across fetches keeps its serial, so tokens it verified stay cached.
struct KeySetEntry {
  std::string kid;
  bool has_kid = false;
  std::shared_ptr<const VerificationKey> key;
  std::uint64_t serial = 0;
  std::string jwk;  ///< the JWK as served (serialized), to recognise it in the next fetch
};

struct KeySet {
  std::vector<KeySetEntry> keys;

  const KeySetEntry* find(std::string_view kid) const;
  /// The key a token without `kid` is checked with: the only key that fits `algorithm`, or
  /// null when none or several do (trying each would let one token cost many verifications).
  const KeySetEntry* only_key_for(JwsAlgorithm algorithm) const;
  bool contains(std::uint64_t serial) const;
};

/// A set holding the one key of a `secret:` or `public_key_file:` issuer.
std::shared_ptr<const KeySet> single_key_set(std::shared_ptr<const VerificationKey> key);

struct ParsedJwks {
  std::shared_ptr<const KeySet> set;  ///< null when the document is refused
  std::string error;                  ///< why it was refused (one line, for the log)
  std::size_t skipped = 0;            ///< keys left out: unusable, a kid seen before, too many
};

/// A JWKS document (RFC 7517 §5): `{"keys": [JWK, ...]}`. Keys rampart cannot use (another
/// kty, an RSA key under 2048 bits, `use: enc`, a point off its curve) are skipped; a document
/// that is not JSON, has no `keys` array or no usable key is refused. Keys equal to one of
/// `previous` are taken from it, serial and all.
ParsedJwks parse_jwks(std::string_view body, const KeySet* previous);

}  // namespace rampart::policies::jwt
