#include "client/group_report.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace tern::client {

std::string format_table(const std::vector<table_column>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& c : columns) widths.push_back(std::max(c.min_width, c.header.size()));
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  auto line = [&](auto cell) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string text = cell(i);
      if (i + 1 < columns.size()) {
        text.resize(std::max(text.size(), widths[i]), ' ');
        text += ' ';
      }
      out += text;
    }
    return out + "\n";
  };
  std::string out = line([&](std::size_t i) { return columns[i].header; });
  for (const auto& row : rows)
    out += line([&](std::size_t i) { return i < row.size() ? row[i] : std::string(); });
  return out;
}

std::vector<table_column> describe_columns() {
  // kafka-consumer-groups' widths: names at least 15, PARTITION 10, the offsets 15.
  return {{"GROUP", 15},          {"TOPIC", 15},          {"PARTITION", 10},
          {"CURRENT-OFFSET", 15}, {"LOG-END-OFFSET", 15}, {"LAG", 15},
          {"CONSUMER-ID", 15},    {"HOST", 15},           {"CLIENT-ID", 0}};
}

std::vector<std::vector<std::string>> describe_rows(
    const std::string& group, const std::vector<group_member_view>& members,
    const std::map<topic_partition, std::int64_t>& committed,
    const std::map<topic_partition, std::int64_t>& log_end) {
  std::map<topic_partition, const group_member_view*> owner;
  for (const auto& m : members)
    for (const auto& tp : m.partitions) owner.emplace(tp, &m);
  std::set<topic_partition> partitions;
  for (const auto& [tp, m] : owner) partitions.insert(tp);
  for (const auto& [tp, offset] : committed) partitions.insert(tp);

  std::vector<std::vector<std::string>> rows;
  for (const auto& tp : partitions) {
    auto c = committed.find(tp);
    auto e = log_end.find(tp);
    std::string current = c == committed.end() ? "-" : std::to_string(c->second);
    std::string end = e == log_end.end() ? "-" : std::to_string(e->second);
    std::string lag = "-";
    if (c != committed.end() && e != log_end.end())
      lag = std::to_string(std::max<std::int64_t>(0, e->second - c->second));
    auto o = owner.find(tp);
    const group_member_view* m = o == owner.end() ? nullptr : o->second;
    rows.push_back({group, tp.topic, std::to_string(tp.partition), current, end, lag,
                    m ? m->member_id : "-", m ? m->client_host : "-", m ? m->client_id : "-"});
  }
  for (const auto& m : members)
    if (m.partitions.empty())
      rows.push_back({group, "-", "-", "-", "-", "-", m.member_id, m.client_host, m.client_id});
  return rows;
}

bool plan_offset_reset(const std::vector<topic_partition>& partitions, const reset_spec& spec,
                       const std::map<topic_partition, std::int64_t>& committed,
                       const std::map<topic_partition, offset_bounds>& bounds,
                       std::vector<planned_offset>& plan, std::vector<std::string>& warnings,
                       std::string& error) {
  plan.clear();
  for (const auto& tp : partitions) {
    auto b = bounds.find(tp);
    if (b == bounds.end()) {
      error = "no offsets known for partition " + to_string(tp);
      return false;
    }
    const auto [earliest, latest] = b->second;
    std::int64_t target = 0;
    switch (spec.kind) {
      case reset_kind::to_earliest:
        target = earliest;
        break;
      case reset_kind::to_latest:
        target = latest;
        break;
      case reset_kind::to_offset:
        target = spec.value;
        break;
      case reset_kind::shift_by: {
        auto c = committed.find(tp);
        if (c == committed.end()) {
          error = "cannot shift the offset of partition " + to_string(tp) +
                  ": the group has no committed offset for it";
          return false;
        }
        // Saturate instead of overflowing on absurd deltas; the clamp below fixes the value.
        if (spec.value > 0 && c->second > INT64_MAX - spec.value)
          target = INT64_MAX;
        else if (spec.value < 0 && c->second < INT64_MIN - spec.value)
          target = INT64_MIN;
        else
          target = c->second + spec.value;
        break;
      }
    }
    if (target < earliest) {
      warnings.push_back("New offset (" + std::to_string(target) +
                         ") is lower than earliest offset for topic partition " + to_string(tp) +
                         ". Value will be set to " + std::to_string(earliest));
      target = earliest;
    } else if (target > latest) {
      warnings.push_back("New offset (" + std::to_string(target) +
                         ") is higher than latest offset for topic partition " + to_string(tp) +
                         ". Value will be set to " + std::to_string(latest));
      target = latest;
    }
    plan.push_back({tp, target});
  }
  return true;
}

std::vector<table_column> reset_columns() {
  return {{"GROUP", 30}, {"TOPIC", 30}, {"PARTITION", 10}, {"NEW-OFFSET", 0}};
}

std::vector<std::vector<std::string>> reset_rows(const std::string& group,
                                                 const std::vector<planned_offset>& plan) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : plan)
    rows.push_back({group, p.partition.topic, std::to_string(p.partition.partition),
                    std::to_string(p.new_offset)});
  return rows;
}

bool parse_topic_argument(const std::string& text, std::string& topic,
                          std::vector<std::int32_t>& partitions, std::string& error) {
  partitions.clear();
  auto colon = text.find(':');
  topic = text.substr(0, colon);
  if (topic.empty()) {
    error = "'" + text + "' names no topic";
    return false;
  }
  if (colon == std::string::npos) return true;
  std::string rest = text.substr(colon + 1);
  std::size_t at = 0;
  while (at <= rest.size()) {
    auto comma = rest.find(',', at);
    std::string item = rest.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    std::int32_t p = -1;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), p);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || p < 0) {
      error = "'" + text + "': '" + item +
              "' is not a partition number (expected TOPIC or TOPIC:0,1,2)";
      return false;
    }
    partitions.push_back(p);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  return true;
}

}  // namespace tern::client
