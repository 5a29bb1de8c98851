#include "config/cidr.hpp"

#include <gtest/gtest.h>

namespace rampart::config {
namespace {

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

TEST(CidrTest, ParsesV4Network) {
  auto cidr = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->network, ip("10.0.0.0"));
  EXPECT_EQ(cidr->prefix_length, 8u);
}

TEST(CidrTest, BareAddressIsAHostNetwork) {
  EXPECT_EQ(Cidr::parse("192.168.1.7")->prefix_length, 32u);
  EXPECT_EQ(Cidr::parse("::1")->prefix_length, 128u);
}

TEST(CidrTest, HostBitsAreCleared) {
  auto cidr = Cidr::parse("10.1.2.3/8");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->network, ip("10.0.0.0"));
  EXPECT_EQ(Cidr::parse("2001:db8::1/32")->network, ip("2001:db8::"));
  EXPECT_EQ(Cidr::parse("192.168.1.255/25")->network, ip("192.168.1.128"));
}

TEST(CidrTest, RejectsMalformed) {
  for (const char* text :
       {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8",
        "example.com", "10.0.0.0/ 8", "fe80::1%eth0", "10.0.0.0/0008"}) {
    EXPECT_FALSE(Cidr::parse(text)) << text;
  }
}

TEST(CidrTest, ContainsV4) {
  auto cidr = *Cidr::parse("10.0.0.0/8");
  EXPECT_TRUE(cidr.contains(ip("10.0.0.0")));
  EXPECT_TRUE(cidr.contains(ip("10.255.255.255")));
  EXPECT_FALSE(cidr.contains(ip("11.0.0.0")));
  EXPECT_FALSE(cidr.contains(ip("9.255.255.255")));
  auto odd = *Cidr::parse("192.168.1.128/25");
  EXPECT_TRUE(odd.contains(ip("192.168.1.200")));
  EXPECT_FALSE(odd.contains(ip("192.168.1.127")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(ip("203.0.113.9")));
  EXPECT_FALSE(Cidr::parse("0.0.0.0/0")->contains(ip("2001:db8::1")));
  EXPECT_TRUE(Cidr::parse("127.0.0.1")->contains(ip("127.0.0.1")));
  EXPECT_FALSE(Cidr::parse("127.0.0.1")->contains(ip("127.0.0.2")));
}

TEST(CidrTest, ContainsV6) {
  auto cidr = *Cidr::parse("fd00::/8");
  EXPECT_TRUE(cidr.contains(ip("fd12:3456::1")));
  EXPECT_FALSE(cidr.contains(ip("fe80::1")));
  EXPECT_FALSE(cidr.contains(ip("10.0.0.1")));
  auto narrow = *Cidr::parse("2001:db8:0:1::/65");
  EXPECT_TRUE(narrow.contains(ip("2001:db8:0:1:7fff::1")));
  EXPECT_FALSE(narrow.contains(ip("2001:db8:0:1:8000::1")));
  EXPECT_TRUE(Cidr::parse("::/0")->contains(ip("::1")));
  EXPECT_TRUE(Cidr::parse("::1")->contains(ip("::1")));
}

TEST(CidrTest, V4MappedAddressesMatchV4Networks) {
  // A dual-stack socket shows an IPv4 peer as ::ffff:a.b.c.d.
  EXPECT_TRUE(Cidr::parse("10.0.0.0/8")->contains(ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/8")->contains(ip("::ffff:11.1.2.3")));
  EXPECT_TRUE(Cidr::parse("::ffff:10.0.0.0/104")->contains(ip("10.9.9.9")));
}

}  // namespace
}  // namespace rampart::config
