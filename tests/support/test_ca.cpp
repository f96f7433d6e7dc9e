#include "support/test_ca.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace tokentap::test {

namespace {

template <class T, void (*F)(T*)>
struct deleter {
    void operator()(T* p) const { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test CA: ") + what);
}

pkey_ptr make_key() {
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "key generation");
    return key;
}

std::string to_pem(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "writing certificate");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "writing key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

template <class P, void (*F)(P*)>
std::unique_ptr<P, deleter<P, F>> read_pem(const std::string& pem, P* (*reader)(BIO*, P**, pem_password_cb*, void*)) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<P, deleter<P, F>> out(reader(bio.get(), nullptr, nullptr, nullptr));
    check(out != nullptr, "reading PEM");
    return out;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

x509_ptr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key) {
    static std::atomic<long> serial{1};
    x509_ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    (void)issuer_key;
    return cert;
}

}  // namespace

test_ca::test_ca(const std::string& common_name) {
    auto key = make_key();
    auto cert = make_cert(key.get(), common_name, nullptr, nullptr);
    add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing CA");
    ca_ = {to_pem(cert.get()), to_pem(key.get())};
}

pem_identity test_ca::issue(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) const {
    auto ca_cert = read_pem<X509, X509_free>(ca_.certificate, PEM_read_bio_X509);
    auto ca_key = read_pem<EVP_PKEY, EVP_PKEY_free>(ca_.private_key, PEM_read_bio_PrivateKey);
    auto key = make_key();
    auto cert = make_cert(key.get(), dns_names.empty() ? "test" : dns_names.front(), ca_cert.get(), ca_key.get());
    std::string san;
    for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
    for (const auto& i : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + i;
    add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
    add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "CA:FALSE");
    add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
    check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "signing leaf");
    return {to_pem(cert.get()), to_pem(key.get())};
}

std::string test_ca::write_certificate_file() const {
    char path[] = "/tmp/tokentap-test-ca-XXXXXX";
    const int fd = mkstemp(path);
    check(fd >= 0, "temp file");
    ::close(fd);
    std::ofstream(path) << ca_.certificate;
    return path;
}

}  // namespace tokentap::test
