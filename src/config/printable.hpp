#pragma once
// Text from the config file made safe to print. A config problem quotes key names, values and
// suggestions the file chose; `rampart check` prints them to an operator's terminal, where an
// ESC or a C1 control byte would be obeyed (recolouring, retitling the window, hiding lines).

#include <string>
#include <string_view>

namespace rampart::config {

/// `text` with every byte a terminal could act on written as `\xNN` (lower-case hex): C0
/// controls 0x00-0x1F (newline and tab included), DEL 0x7F, the C1 controls U+0080-U+009F
/// (both bytes of their UTF-8 form: some terminals take U+009B as CSI) and each byte that is
/// not part of well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points over
/// U+10FFFF). Every other character, ASCII or UTF-8, is kept as it is. A backslash is kept too,
/// so applying it twice changes nothing.
std::string printable(std::string_view text);

}  // namespace rampart::config
