// ECS sample lines shared by the parser tests: the schema example of scenarios/README.md.
#pragma once

#include <string_view>

namespace ulna::testing_lines {

// The schema example of scenarios/README.md (shortened entity id), nested keys.
inline constexpr std::string_view kNested =
    R"({"@timestamp":"2026-10-01T00:06:32.926Z",)"
    R"("event":{"kind":"event","category":["network"],"type":["start"],)"
    R"("action":"connection_attempted","dataset":"endpoint.events.network","module":"endpoint"},)"
    R"("host":{"name":"web-10","id":"60a2527681855335c322f475edb600ed","hostname":"web-10",)"
    R"("os":{"type":"linux","family":"debian"}},)"
    R"("process":{"pid":1952459,"name":"php-fpm8.1","executable":"/usr/sbin/php-fpm8.1",)"
    R"("args":["/usr/sbin/php-fpm8.1","--nodaemonize","--fpm-config","/etc/php/8.1/fpm/php-fpm.conf"],)"
    R"("working_directory":"/","entity_id":"OWZkYzMwNGYtODFl",)"
    R"("parent":{"pid":2314,"name":"php-fpm8.1","executable":"/usr/sbin/php-fpm8.1"}},)"
    R"("user":{"name":"www-data","id":"33"},)"
    R"("source":{"ip":"10.20.1.20","port":42169},"destination":{"ip":"54.187.216.72","port":443},)"
    R"("network":{"transport":"tcp","type":"ipv4","direction":"egress"}})";

}  // namespace ulna::testing_lines
