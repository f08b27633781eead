#include "forward/link_manager.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "app/log.h"
#include "forward/cluster_links.h"
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
  if (_cluster) return apply_clustered(std::move(links), raw_settings);
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

void link_manager::apply_clustered(std::vector<link_config> links,
                                   const std::map<std::string, std::string>& raw_settings) {
  std::lock_guard apply_lock(_apply_mutex);
  std::map<std::string, std::string> settings_of;
  for (const auto& [key, value] : raw_settings) {
    auto rest = key.substr(key.find('.') + 1);
    settings_of[rest.substr(0, rest.find('.'))] += key + "=" + value + "\n";
  }
  std::set<std::string> names;
  std::vector<std::pair<std::string, topic_filter>> filters;
  {
    std::lock_guard lock(_mutex);
    _configured.clear();
    for (auto& l : links) {
      if (!l.forwards()) continue;  // (serve refuses mirror.* in a cluster)
      const std::string name = l.name;  // (l is moved below)
      names.insert(name);
      filters.emplace_back("forward/" + name, l.forward_topics);
      std::string settings = settings_of[name];
      _configured.emplace(name, std::pair{std::move(l), std::move(settings)});
    }
  }
  _cluster->set_configured(std::move(names));
  // Every broker holds new topics for the links from their creation: any of them may run the
  // links next.
  _store.set_creation_hold_policy([filters = std::move(filters)](std::string_view topic) {
    std::vector<std::string> holders;
    for (const auto& [checkpoint, filter] : filters)
      if (filter.matches(topic)) holders.push_back(checkpoint);
    return holders;
  });
  reconcile_clustered();
  {
    std::lock_guard lock(_stop_mutex);
    _kick = true;
  }
  _stop_cv.notify_all();
}

void link_manager::reconcile_clustered() {
  std::map<std::string, running> stopping;
  std::map<std::string, std::pair<link_config, std::string>> wanted;
  {
    std::lock_guard lock(_mutex);
    if (_active) wanted = _configured;
    for (auto it = _links.begin(); it != _links.end();) {
      auto w = wanted.find(it->first);
      if (w == wanted.end() || w->second.second != it->second.settings) {
        stopping.insert(std::move(*it));
        it = _links.erase(it);
      } else {
        wanted.erase(w);
        ++it;
      }
    }
  }
  for (auto& [name, r] : stopping) {
    if (r.up) r.up->stop();
    log::info("forward link '", name, "' stopped on this broker",
              _active ? " (its settings changed)" : " (it is no longer the controller)");
  }
  // The origin header names the cluster (the same on whichever node runs the link next).
  const std::string cluster_id = _cluster->cluster_id();
  _start_pending = !wanted.empty() && cluster_id.empty();
  if (_start_pending) return;  // the status thread tries again every second
  for (auto& [name, config] : wanted) {
    running r;
    r.settings = config.second;
    r.up = std::make_unique<forwarder>(_store, config.first, cluster_id, &_cluster->checkpoint(name));
    r.up->start();
    log::info("forward link '", name, "' started on this broker (the controller): ", config.first.bootstrap_servers,
              " (", config.first.security_protocol, "), forwarding up");
    std::lock_guard lock(_mutex);
    _links.emplace(name, std::move(r));
  }
}

void link_manager::set_active(bool active) {
  {
    std::lock_guard lock(_stop_mutex);
    _want_active = active;
    _kick = true;
  }
  _stop_cv.notify_all();
}

void link_manager::activate_if_asked() {
  if (!_cluster) return;
  bool want = false;
  {
    std::lock_guard lock(_stop_mutex);
    want = _want_active && !_stopping;
  }
  std::lock_guard apply_lock(_apply_mutex);
  if (want == _active && !_start_pending) return;
  _active = want;
  reconcile_clustered();
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
  if (!_cluster) return out;
  for (const auto& [name, config] : _configured) {
    if (_links.contains(name)) continue;
    // Runs elsewhere: what the replicated checkpoint says.
    link_status s;
    s.name = name;
    auto controller = _cluster->controller_id();
    s.state = "standby";
    s.broker = controller >= 0 ? "runs on the controller, node " + std::to_string(controller)
                               : "runs on the controller (none known now)";
    if (auto state = _cluster->replicated_state(name)) {
      s.forwarded_records = state->forwarded_records;
      s.forwarded_bytes = state->forwarded_bytes;
      s.lost_records = state->lost_records;
      s.producer_resets = state->producer_resets;
    }
    out.push_back(std::move(s));
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
    activate_if_asked();
    bool any = false;
    {
      std::lock_guard links_lock(_mutex);
      any = !_links.empty() || !_configured.empty();
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
