#pragma once
// The indexes that keep route matching flat as routes grow: a radix tree over the path's bytes
// for exact paths and path prefixes, and a tree of segments for path templates. Each gives the
// routes whose path matches, by config index; the Router keeps the lowest index whose other
// conditions hold, which is "first match wins" exactly. Built once per config, read-only after.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/route_template.hpp"

namespace rampart::gateway {

inline constexpr std::uint32_t kNoRoute = std::numeric_limits<std::uint32_t>::max();

/// Exact paths and path prefixes in one radix tree: a lookup walks the path once, comparing
/// each edge's label with memcmp, and meets every prefix of the path on the way.
class PathTree {
 public:
  PathTree() : nodes_(1) {}

  void insert_prefix(std::string_view prefix, std::uint32_t route);
  void insert_exact(std::string_view path, std::uint32_t route);

  /// Calls on_route(index) for each route whose prefix starts `path` or whose exact path is
  /// `path`.
  template <typename OnRoute>
  void visit(std::string_view path, OnRoute&& on_route) const {
    std::uint32_t node = 0;
    std::size_t pos = 0;
    for (;;) {
      const Node& n = nodes_[node];
      for (auto r : n.prefix_routes) {
        on_route(r);
      }
      if (pos == path.size()) {
        for (auto r : n.exact_routes) {
          on_route(r);
        }
        return;
      }
      node = child(n, static_cast<unsigned char>(path[pos]));
      if (node == 0) {
        return;
      }
      const std::string& label = nodes_[node].label;
      if (path.size() - pos < label.size() || path.compare(pos, label.size(), label) != 0) {
        return;
      }
      pos += label.size();
    }
  }

 private:
  struct Node {
    std::string label;  ///< the bytes on the edge from the parent
    std::vector<std::uint32_t> prefix_routes;
    std::vector<std::uint32_t> exact_routes;
    std::vector<std::pair<unsigned char, std::uint32_t>> children;
  };

  static std::uint32_t child(const Node& node, unsigned char c) {
    for (const auto& [first, index] : node.children) {
      if (first == c) {
        return index;
      }
    }
    return 0;
  }
  std::uint32_t node_for(std::string_view key);

  std::vector<Node> nodes_;
};

/// Path templates by segment: a literal child (binary search), a {name} child, the routes a
/// {rest...} ends, and the routes that end here. A subtree whose lowest route index cannot
/// beat the best found so far is not entered.
class TemplateTree {
 public:
  TemplateTree() : nodes_(1) {}

  void insert(const std::vector<config::TemplateSegment>& segments, std::uint32_t route);

  /// Calls on_route(index) for routes whose template matches `path`; `best` is the lowest
  /// index found so far (on_route may lower it).
  template <typename OnRoute>
  void visit(std::string_view path, const std::uint32_t& best, OnRoute&& on_route) const {
    if (!path.empty() && path.front() == '/') {
      visit_from(0, path, 1, best, on_route);
    }
  }

 private:
  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> literals;  ///< sorted by text
    std::uint32_t param = 0;                                      ///< 0: none
    std::vector<std::uint32_t> end_routes;
    std::vector<std::uint32_t> rest_routes;
    std::uint32_t min_route = kNoRoute;  ///< the lowest route index in the subtree
  };

  std::uint32_t literal(const Node& node, std::string_view text) const;

  template <typename OnRoute>
  void visit_from(std::uint32_t index, std::string_view path, std::size_t pos,
                  const std::uint32_t& best, OnRoute& on_route) const {
    const Node& node = nodes_[index];
    if (node.min_route >= best) {
      return;
    }
    if (pos == std::string_view::npos) {
      for (auto r : node.end_routes) {
        on_route(r);
      }
      return;
    }
    for (auto r : node.rest_routes) {
      on_route(r);
    }
    const auto slash = path.find('/', pos);
    const auto segment = path.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    const auto next = slash == std::string_view::npos ? slash : slash + 1;
    if (auto child = literal(node, segment)) {
      visit_from(child, path, next, best, on_route);
    }
    if (node.param != 0 && !segment.empty()) {
      visit_from(node.param, path, next, best, on_route);
    }
  }

  std::vector<Node> nodes_;
};

}  // namespace rampart::gateway
