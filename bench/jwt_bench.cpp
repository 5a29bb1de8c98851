// Micro-benchmarks of bearer JWT checks (issue 10): a signature check per algorithm (what a
// token the worker has not seen costs), and a repeated token, which the worker's cache answers
// without one. Keys are generated at start-up; the tokens are about the size of a Clerk
// session token (~900 bytes with RS256).

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/store_url.hpp"
#include "observe/metrics.hpp"
#include "policies/auth/auth_policy.hpp"
#include "policies/jwt/base64url.hpp"
#include "policies/jwt/jose.hpp"
#include "policies/jwt/token_verifier.hpp"
#include "store/api_key.hpp"

namespace {

using namespace rampart;
namespace jwt = policies::jwt;

constexpr std::string_view kIssuer = "https://clerk.example.com";
constexpr std::string_view kSubject = "user_2kX9mQ7vLpR3tY8wZ1aB4cD5eF6";

struct PkeyFree {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// A key pair made for the run, the public half as a verifier holds it, and a token it signed.
struct SignedToken {
  PkeyPtr pkey;
  std::shared_ptr<const jwt::VerificationKey> key;
  std::string public_pem;
  std::string token;
};

PkeyPtr generate_key(jwt::JwsAlgorithm algorithm) {
  EVP_PKEY* pkey = nullptr;
  switch (algorithm) {
    case jwt::JwsAlgorithm::RS256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
      break;
    case jwt::JwsAlgorithm::ES256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case jwt::JwsAlgorithm::EdDSA:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    default:
      break;
  }
  if (pkey == nullptr) {
    throw std::runtime_error("key generation failed");
  }
  return PkeyPtr(pkey);
}

std::string public_pem(EVP_PKEY* pkey) {
  std::unique_ptr<BIO, BioFree> bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    throw std::runtime_error("PEM_write_bio_PUBKEY failed");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

/// ECDSA's DER signature as JOSE spells it: R and S, each left-padded to `half` bytes.
std::string der_to_raw(std::string_view der, int half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig{
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()))};
  if (!sig) {
    throw std::runtime_error("d2i_ECDSA_SIG failed");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * static_cast<std::size_t>(half), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, half) != half || BN_bn2binpad(s, out + half, half) != half) {
    throw std::runtime_error("BN_bn2binpad failed");
  }
  return raw;
}

std::string sign(jwt::JwsAlgorithm algorithm, EVP_PKEY* pkey, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
  // Ed25519 hashes internally: no digest is named.
  const EVP_MD* md = algorithm == jwt::JwsAlgorithm::EdDSA ? nullptr : EVP_sha256();
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) {
    throw std::runtime_error("EVP_DigestSignInit failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                     input.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  signature.resize(size);
  return algorithm == jwt::JwsAlgorithm::ES256 ? der_to_raw(signature, 32) : signature;
}

/// Claims shaped like a Clerk session token's, valid for a day from now.
std::string claims_json() {
  const auto now = store::unix_now();
  return fmt::format(
      R"({{"azp":"https://app.example.com","exp":{},"fva":[12,-1],"iat":{},"iss":"{}",)"
      R"("nbf":{},"sid":"sess_2kX9nB3vQpL7tR1wY8zA5cE4dF2","sub":"{}",)"
      R"("aud":"https://api.example.com","org_id":"org_2kX9pC4wRqM8uS2xZ9aB6dF5eG3",)"
      R"("org_role":"org:admin","org_slug":"example","pla":"o:pro","v":2}})",
      now + 86400, now, kIssuer, now - 5, kSubject);
}

SignedToken make_token(jwt::JwsAlgorithm algorithm) {
  SignedToken out;
  out.pkey = generate_key(algorithm);
  out.public_pem = public_pem(out.pkey.get());
  std::string error;
  auto key = jwt::VerificationKey::from_pem(out.public_pem, error);
  if (!key) {
    throw std::runtime_error("from_pem: " + error);
  }
  out.key = std::make_shared<const jwt::VerificationKey>(std::move(*key));
  const auto header = fmt::format(R"({{"alg":"{}","typ":"JWT","kid":"ins_2kX9mQ7vLpR3tY8wZ1a"}})",
                                  jwt::algorithm_name(algorithm));
  out.token = jwt::base64url_encode(header) + "." + jwt::base64url_encode(claims_json());
  out.token += "." + jwt::base64url_encode(sign(algorithm, out.pkey.get(), out.token));
  return out;
}

/// Made once, on first use: RSA key generation takes tens of milliseconds.
const SignedToken& token_for(jwt::JwsAlgorithm algorithm) {
  static const SignedToken rs256 = make_token(jwt::JwsAlgorithm::RS256);
  static const SignedToken es256 = make_token(jwt::JwsAlgorithm::ES256);
  static const SignedToken eddsa = make_token(jwt::JwsAlgorithm::EdDSA);
  switch (algorithm) {
    case jwt::JwsAlgorithm::ES256:
      return es256;
    case jwt::JwsAlgorithm::EdDSA:
      return eddsa;
    default:
      return rs256;
  }
}

/// A token no worker has seen: parse it (split, base64url, two JSON documents, the header
/// rules) and check its signature with a key already made.
void verify_uncached(benchmark::State& state, jwt::JwsAlgorithm algorithm) {
  const auto& made = token_for(algorithm);
  bool ok = true;
  std::string error;
  for (auto _ : state) {
    auto parts = jwt::parse_compact(made.token, error);
    ok = parts && jwt::verify(parts->algorithm, *made.key, parts->signing_input, parts->signature);
    benchmark::DoNotOptimize(ok);
  }
  if (!ok) {
    state.SkipWithError("the token did not verify");
  }
  state.counters["token_bytes"] = static_cast<double>(made.token.size());
}

void BM_JwtVerifyRs256(benchmark::State& state) {
  verify_uncached(state, jwt::JwsAlgorithm::RS256);
}
BENCHMARK(BM_JwtVerifyRs256);

void BM_JwtVerifyEs256(benchmark::State& state) {
  verify_uncached(state, jwt::JwsAlgorithm::ES256);
}
BENCHMARK(BM_JwtVerifyEs256);

void BM_JwtVerifyEdDSA(benchmark::State& state) {
  verify_uncached(state, jwt::JwsAlgorithm::EdDSA);
}
BENCHMARK(BM_JwtVerifyEdDSA);

/// The one issuer of these benchmarks: a public_key_file issuer with the RS256 key.
std::vector<jwt::IssuerSettings> rs256_issuer() {
  jwt::IssuerSettings issuer;
  issuer.name = "bench";
  issuer.issuer = kIssuer;
  issuer.static_key = token_for(jwt::JwsAlgorithm::RS256).key;
  issuer.algorithms = {jwt::JwsAlgorithm::RS256};
  return {issuer};
}

// A token the worker verified before (issue 10: < 300 ns): the tail hash, one lookup that
// compares the whole token, the key and expiry checks.
void BM_JwtCacheHit(benchmark::State& state) {
  const auto issuers = rs256_issuer();
  const jwt::TokenVerifier verifier(issuers, nullptr);
  jwt::VerifierState verifier_state(verifier);
  const auto& token = token_for(jwt::JwsAlgorithm::RS256).token;
  const auto now = store::unix_now();
  verifier.check(token, now, verifier_state);  // the miss that fills the cache
  jwt::TokenCheck checked;
  for (auto _ : state) {
    checked = verifier.check(token, now, verifier_state);
    benchmark::DoNotOptimize(checked);
  }
  if (checked.result != jwt::TokenCheck::Result::accepted ||
      checked.claims->identity != fmt::format("jwt:{}", kSubject) ||
      verifier_state.cached_tokens() != 1) {
    state.SkipWithError("the token was not accepted from the cache");
  }
}
BENCHMARK(BM_JwtCacheHit);

// The auth policy on a request whose bearer token this worker has verified before, as
// BM_ApiKeyCheckCached measures for keys: the header scan, the cache hit, the identity. The
// policy needs a key directory, so an empty store in a temp dir backs one.
void BM_JwtAuthPolicyCacheHit(benchmark::State& state) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rampart-jwtbench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string error;
  auto where = *config::parse_store_url("sqlite:" + (dir / "bench.db").string(), error);
  auto keys = std::make_shared<policies::KeyDirectory>(where);
  policies::AuthSettings settings;
  settings.jwt_issuers = rs256_issuer();
  auto verifier = std::make_shared<const jwt::TokenVerifier>(settings.jwt_issuers, nullptr);
  policies::AuthPolicy policy(config::AuthMode::required, settings, keys, verifier);
  boost::asio::io_context io;
  observe::WorkerMetrics metrics;
  net::WorkerContext worker{io, metrics, [](std::function<void()>) {}};
  auto slot = policy.make_slot(worker);
  const auto authorization = "Bearer " + token_for(jwt::JwsAlgorithm::RS256).token;
  http::Exchange exchange;
  auto request = [&] {
    exchange.request.headers.clear();
    exchange.request.headers.add(http::field::host, "Host", "api.example.com");
    exchange.request.headers.add(http::field::accept, "Accept", "application/json");
    exchange.request.headers.add(http::field::authorization, "Authorization", authorization);
    exchange.identity.clear();
    exchange.upstream_extra_headers.clear();
    return policy.on_request(exchange, slot.get());
  };
  auto verdict = request();  // the miss that fills the cache
  for (auto _ : state) {
    verdict = request();
    benchmark::DoNotOptimize(verdict);
  }
  if (verdict != policies::Verdict::next || exchange.identity != fmt::format("jwt:{}", kSubject)) {
    state.SkipWithError("the token was not accepted");
  }
  slot.reset();
  keys->stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JwtAuthPolicyCacheHit);

}  // namespace
