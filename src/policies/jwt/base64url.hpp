#pragma once
// base64url (RFC 4648 §5) as JOSE uses it (RFC 7515 §2): no padding, no line breaks, and —
// stricter than most decoders — only the canonical spelling of each value. A token whose bytes
// can be spelled two ways can be replayed under a second spelling past any cache or deny list
// that keys on the text, so rampart accepts exactly one.

#include <optional>
#include <string>
#include <string_view>

namespace rampart::policies::jwt {

/// The bytes `text` encodes, or nullopt when it is not canonical unpadded base64url: a
/// character outside A-Z a-z 0-9 '-' '_' (so also '=', '+', '/', whitespace), a length of
/// 4k+1, or a last character whose unused low bits are not zero.
std::optional<std::string> base64url_decode(std::string_view text);

/// Unpadded base64url of `bytes`; base64url_decode(base64url_encode(b)) == b.
std::string base64url_encode(std::string_view bytes);

}  // namespace rampart::policies::jwt
