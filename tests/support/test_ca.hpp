#pragma once
// A certificate authority made at test time (OpenSSL), and leaf certificates it signs, as PEM.

#include <string>
#include <vector>

namespace tokentap::test {

struct pem_identity {
    std::string certificate;
    std::string private_key;
};

class test_ca {
public:
    explicit test_ca(const std::string& common_name = "tokentap test CA");
    // A server certificate for these DNS names and IP addresses (subjectAltName).
    pem_identity issue(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) const;
    const std::string& certificate_pem() const { return ca_.certificate; }
    // Writes the CA certificate to a temporary file and returns its path.
    std::string write_certificate_file() const;

private:
    pem_identity ca_;
};

}  // namespace tokentap::test
