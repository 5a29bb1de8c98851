#include "policies/webhook/config.hpp"

namespace rampart::policies {

std::string_view WebhookSettings::scheme_name() const {
  switch (scheme) {
    case WebhookScheme::stripe:
      return "stripe";
    case WebhookScheme::github:
      return "github";
    case WebhookScheme::hmac_sha256:
      break;
  }
  return "hmac-sha256";
}

std::shared_ptr<const config::PolicySettings> read_webhook(const config::Field& field,
                                                           config::ProblemList& problems,
                                                           config::Env env) {
  config::MappingReader reader(field, problems,
                               {"scheme", "secret", "secrets", "tolerance", "max_bytes", "header",
                                "prefix", "encoding", "timestamp_header"});
  if (!reader.is_mapping()) {
    return nullptr;
  }
  auto webhook = std::make_shared<WebhookSettings>();
  if (auto scheme = reader.require("scheme", "needs scheme: stripe, github or hmac-sha256")) {
    if (auto value =
            config::read_choice<WebhookScheme>(*scheme, problems,
                                               {{"stripe", WebhookScheme::stripe},
                                                {"github", WebhookScheme::github},
                                                {"hmac-sha256", WebhookScheme::hmac_sha256}})) {
      webhook->scheme = *value;
    }
  }
  auto secret = reader.get("secret");
  auto secrets = reader.get("secrets");
  if (secret && secrets) {
    problems.add(secrets->mark, secrets->path,
                 "use secret or secrets, not both (secrets: [old, new] during a rotation)");
  } else if (secret) {
    if (auto text = config::read_string(*secret, problems); text && !text->empty()) {
      webhook->secrets.push_back(*text);
    }
  } else if (secrets) {
    if (auto items = config::read_list(*secrets, problems)) {
      for (const auto& item : *items) {
        if (auto text = config::read_string(item, problems); text && !text->empty()) {
          webhook->secrets.push_back(*text);
        }
      }
    }
  }
  if (webhook->secrets.empty() && env == config::Env::production) {
    problems.add(field.mark, field.path + ".secret",
                 "a webhook route needs its secret in production (secret: "
                 "\"${STRIPE_WEBHOOK_SECRET}\"): without it anyone can post events");
  }
  if (auto tolerance = reader.get("tolerance")) {
    if (auto value = config::read_duration(*tolerance, problems)) {
      if (*value > std::chrono::hours(1)) {
        problems.add(tolerance->mark, tolerance->path, "must be at most 1h");
      } else {
        webhook->tolerance = std::chrono::duration_cast<std::chrono::seconds>(*value);
      }
    }
  }
  reader.read("max_bytes", webhook->max_bytes, [](const config::Field& f, config::ProblemList& p) {
    return config::read_size(f, p, 1, 32 * 1024 * 1024);
  });
  const bool generic = webhook->scheme == WebhookScheme::hmac_sha256;
  for (std::string_view key : {"header", "prefix", "encoding", "timestamp_header"}) {
    if (auto f = reader.get(key); f && !generic) {
      problems.add(f->mark, f->path, "is for scheme: hmac-sha256 only");
    }
  }
  if (generic) {
    if (auto header = reader.require("header", "needs header, the field the signature is in")) {
      if (auto text = config::read_string(*header, problems)) {
        webhook->header = *text;
      }
    }
    reader.read("prefix", webhook->prefix, config::read_string);
    reader.read("timestamp_header", webhook->timestamp_header, config::read_string);
    if (auto encoding = reader.get("encoding")) {
      if (auto value = config::read_choice<SignatureEncoding>(
              *encoding, problems,
              {{"hex", SignatureEncoding::hex}, {"base64", SignatureEncoding::base64}})) {
        webhook->encoding = *value;
      }
    }
  }
  return webhook;
}

}  // namespace rampart::policies
