#include "forward/link_manager.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/log.h"
#include "forward/mirror.h"

namespace tern::forward {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

link_manager::link_manager(storage::log_store& store, std::string status_path)
    : _store(store), _status_path(std::move(status_path)) {
  if (!_status_path.empty()) _status_writer = std::thread([this] { write_status_loop(); });
}

link_manager::~link_manager() { stop(); }

void link_manager::apply(std::vector<link_config> links, const std::map<std::string, std::string>& raw_settings) {
  std::map<std::string, std::string> settings_of;
  for (const auto& [key, value] : raw_settings) {
    auto rest = key.substr(key.find('.') + 1);
    settings_of[rest.substr(0, rest.find('.'))] += key + "=" + value + "\n";
  }
  std::map<std::string, link_config> wanted;
  for (auto& l : links) wanted.emplace(l.name, std::move(l));

  std::map<std::string, running> stopping;
  {
    std::lock_guard lock(_mutex);
    for (auto it = _links.begin(); it != _links.end();) {
      auto w = wanted.find(it->first);
      if (w == wanted.end() || settings_of[it->first] != it->second.settings) {
        stopping.insert(std::move(*it));
        it = _links.erase(it);
      } else {
        wanted.erase(w);  // unchanged: keeps running
        ++it;
      }
    }
  }
  for (auto& [name, r] : stopping) {
    if (r.up) r.up->stop();
    if (r.down) r.down->stop();
    log::info("forward link '", name, "' stopped", wanted.contains(name) ? " (its settings changed)" : "");
  }
  // Checkpoints of links that are no longer configured release their holds.
  for (const auto& checkpoint : _store.checkpoint_names()) {
    auto slash = checkpoint.find('/');
    if (slash == std::string::npos) continue;
    std::string kind = checkpoint.substr(0, slash), name = checkpoint.substr(slash + 1);
    bool configured = false;
    {
      std::lock_guard lock(_mutex);
      configured = _links.contains(name);
    }
    if (wanted.contains(name)) {
      const auto& c = wanted.at(name);
      configured = (kind == "forward" && c.forwards()) || (kind == "mirror" && c.mirrors());
    }
    if (configured || kind != "forward") continue;  // mirror checkpoints hold nothing
    log::warn("forward link '", name, "' is no longer configured: its checkpoint is dropped and ",
              "the records it had not sent may now be deleted by retention");
    _store.drop_checkpoint(checkpoint, [](std::error_code) {});
  }
  const std::string cluster_id = _store.cluster_id();
  for (auto& [name, config] : wanted) {
    running r;
    r.settings = settings_of[name];
    if (config.forwards()) r.up = std::make_unique<forwarder>(_store, config, cluster_id);
    if (config.mirrors()) r.down = std::make_unique<mirror>(_store, config);
    if (r.up) r.up->start();
    if (r.down) r.down->start();
    log::info("forward link '", name, "' started: ", config.bootstrap_servers, " (",
              config.security_protocol, ")", config.forwards() ? ", forwarding up" : "",
              config.mirrors() ? ", mirroring down" : "");
    std::lock_guard lock(_mutex);
    _links.emplace(name, std::move(r));
  }
  // A topic created from now on is held for every link that will forward it, from its creation.
  std::vector<std::pair<std::string, topic_filter>> filters;
  {
    std::lock_guard lock(_mutex);
    for (const auto& [name, r] : _links)
      if (r.up) filters.emplace_back("forward/" + name, r.up->config().forward_topics);
  }
  {
    std::lock_guard lock(_stop_mutex);  // the status file shows the new links at once
    _kick = true;
  }
  _stop_cv.notify_all();
  _store.set_creation_hold_policy([filters = std::move(filters)](std::string_view topic) {
    std::vector<std::string> holders;
    for (const auto& [checkpoint, filter] : filters)
      if (filter.matches(topic)) holders.push_back(checkpoint);
    return holders;
  });
}

void link_manager::stop() {
  {
    std::lock_guard lock(_stop_mutex);
    _stopping = true;
  }
  _stop_cv.notify_all();
  if (_status_writer.joinable()) _status_writer.join();
  _store.set_creation_hold_policy({});
  std::map<std::string, running> links;
  {
    std::lock_guard lock(_mutex);
    links.swap(_links);
  }
  for (auto& [name, r] : links) {
    if (r.up) r.up->stop();
    if (r.down) r.down->stop();
  }
}

std::vector<link_status> link_manager::status() const {
  std::vector<link_status> out;
  std::lock_guard lock(_mutex);
  for (const auto& [name, r] : _links) {
    if (r.up) out.push_back(r.up->status());
    if (r.down) out.push_back(r.down->status());
  }
  return out;
}

std::string link_manager::status_json() const {
  std::ostringstream os;
  os << "{\n  \"links\": [";
  bool first = true;
  for (const auto& s : status()) {
    os << (first ? "\n" : ",\n") << "    {\"name\": \"" << json_escape(s.name) << "\", \"direction\": \""
       << s.direction << "\", \"state\": \"" << json_escape(s.state) << "\", \"broker\": \""
       << json_escape(s.broker) << "\",\n     \"last_error\": \"" << json_escape(s.last_error)
       << "\", \"last_error_ms\": " << s.last_error_ms << ",\n     \"records\": " << s.forwarded_records
       << ", \"bytes\": " << s.forwarded_bytes << ", \"lost_records\": " << s.lost_records
       << ", \"producer_resets\": " << s.producer_resets << ",\n     \"backlog_records\": " << s.backlog_records
       << ", \"backlog_bytes\": " << s.backlog_bytes
       << ", \"oldest_unforwarded_age_ms\": " << s.oldest_unforwarded_age_ms
       << ",\n     \"records_per_sec\": " << static_cast<std::int64_t>(s.records_per_sec)
       << ", \"bytes_per_sec\": " << static_cast<std::int64_t>(s.bytes_per_sec) << ",\n     \"topics\": [";
    bool first_topic = true;
    for (const auto& t : s.topics) {
      os << (first_topic ? "" : ", ") << "{\"topic\": \"" << json_escape(t.topic) << "\", \"upstream\": \""
         << json_escape(t.upstream) << "\", \"backlog_records\": " << t.backlog_records << ", \"error\": \""
         << json_escape(t.error) << "\"}";
      first_topic = false;
    }
    os << "]}";
    first = false;
  }
  os << "\n  ]\n}\n";
  return os.str();
}

void link_manager::write_status_loop() {
  std::unique_lock lock(_stop_mutex);
  while (!_stopping) {
    lock.unlock();
    bool any = false;
    {
      std::lock_guard links_lock(_mutex);
      any = !_links.empty();
    }
    if (!any) {
      std::remove(_status_path.c_str());  // no links (any more): no stale status either
      lock.lock();
      _stop_cv.wait_for(lock, std::chrono::seconds(1), [this] { return _stopping || _kick; });
      _kick = false;
      continue;
    }
    std::string doc = status_json();
    std::string tmp = _status_path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << doc;
    }
    std::rename(tmp.c_str(), _status_path.c_str());
    lock.lock();
    _stop_cv.wait_for(lock, std::chrono::seconds(1), [this] { return _stopping || _kick; });
    _kick = false;
  }
}

}  // namespace tern::forward
