#include "gateway/route_index.hpp"

#include <algorithm>

namespace rampart::gateway {

std::uint32_t PathTree::node_for(std::string_view key) {
  std::uint32_t node = 0;
  std::size_t pos = 0;
  while (pos < key.size()) {
    const auto c = static_cast<unsigned char>(key[pos]);
    std::uint32_t next = child(nodes_[node], c);
    if (next == 0) {
      Node leaf;
      leaf.label = std::string(key.substr(pos));
      nodes_.push_back(std::move(leaf));
      next = static_cast<std::uint32_t>(nodes_.size() - 1);
      nodes_[node].children.emplace_back(c, next);
      return next;
    }
    const std::string_view rest = key.substr(pos);
    const std::string label = nodes_[next].label;
    std::size_t common = 0;
    while (common < label.size() && common < rest.size() && label[common] == rest[common]) {
      ++common;
    }
    if (common < label.size()) {
      // Split the edge: a middle node takes the common part, the old child keeps the rest.
      Node middle;
      middle.label = label.substr(0, common);
      middle.children.emplace_back(static_cast<unsigned char>(label[common]), next);
      nodes_[next].label.erase(0, common);
      nodes_.push_back(std::move(middle));
      const auto middle_index = static_cast<std::uint32_t>(nodes_.size() - 1);
      for (auto& edge : nodes_[node].children) {
        if (edge.first == c) {
          edge.second = middle_index;
        }
      }
      next = middle_index;
    }
    pos += common;
    node = next;
  }
  return node;
}

void PathTree::insert_prefix(std::string_view prefix, std::uint32_t route) {
  nodes_[node_for(prefix)].prefix_routes.push_back(route);
}

void PathTree::insert_exact(std::string_view path, std::uint32_t route) {
  nodes_[node_for(path)].exact_routes.push_back(route);
}

std::uint32_t TemplateTree::literal(const Node& node, std::string_view text) const {
  auto it = std::lower_bound(node.literals.begin(), node.literals.end(), text,
                             [](const auto& entry, std::string_view t) { return entry.first < t; });
  return it != node.literals.end() && it->first == text ? it->second : 0;
}

void TemplateTree::insert(const std::vector<config::TemplateSegment>& segments,
                          std::uint32_t route) {
  using Kind = config::TemplateSegment::Kind;
  std::uint32_t node = 0;
  nodes_[0].min_route = std::min(nodes_[0].min_route, route);
  for (const auto& segment : segments) {
    if (segment.kind == Kind::rest) {
      nodes_[node].rest_routes.push_back(route);
      return;
    }
    std::uint32_t next =
        segment.kind == Kind::param ? nodes_[node].param : literal(nodes_[node], segment.text);
    if (next == 0) {
      nodes_.emplace_back();
      next = static_cast<std::uint32_t>(nodes_.size() - 1);
      auto& parent = nodes_[node];
      if (segment.kind == Kind::param) {
        parent.param = next;
      } else {
        auto it = std::lower_bound(
            parent.literals.begin(), parent.literals.end(), segment.text,
            [](const auto& entry, const std::string& t) { return entry.first < t; });
        parent.literals.emplace(it, segment.text, next);
      }
    }
    node = next;
    nodes_[node].min_route = std::min(nodes_[node].min_route, route);
  }
  nodes_[node].end_routes.push_back(route);
}

}  // namespace rampart::gateway
