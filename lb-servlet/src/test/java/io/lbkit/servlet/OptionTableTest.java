package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Balancer;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.Section;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The option table: complete, consistent, and every option parses through the filter's configuration. */
class OptionTableTest {
  private static final List<Option<?, ?>> TABLE = LoadBalancerConfig.optionTable();

  @Test
  void everyOptionHasAUniqueNameHelpASectionAndALabel() {
    Set<String> names = new HashSet<>();
    for (Option<?, ?> o : TABLE) {
      assertThat(names.add(o.name())).as("unique %s", o.name()).isTrue();
      assertThat(o.name()).matches("[a-z0-9]+(-[a-z0-9]+)*");
      assertThat(o.meaning()).as(o.name()).isNotBlank().endsWith(".").doesNotContain("default");
      assertThat(Section.STANDARD).as(o.name()).contains(o.section());
      assertThat(o.valueLabel()).as(o.name()).isNotBlank().doesNotContain(" ");
      assertThat(o.help()).startsWith(o.meaning().substring(0, o.meaning().length() - 1));
    }
    assertThat(names).isEqualTo(LoadBalancerConfig.knownKeys());
    // sections come in help order
    int last = -1;
    for (Option<?, ?> o : TABLE) {
      int index = Section.STANDARD.indexOf(o.section());
      assertThat(index).as(o.name()).isGreaterThanOrEqualTo(last);
      last = index;
    }
  }

  @Test
  void everyOptionTakesAGoodValueAndNamesItselfOnABadOne() {
    Map<String, String[]> samples = samples();
    assertThat(samples.keySet()).as("a sample per option").isEqualTo(LoadBalancerConfig.knownKeys());
    for (Option<?, ?> o : TABLE) {
      String[] sample = samples.get(o.name());
      Map<String, String> p = base(o.name());
      p.put(o.name(), sample[0]);
      LoadBalancerConfig config = LoadBalancerConfig.parse(p);
      assertThat(config.parameters()).as(o.name()).containsEntry(o.name(), sample[0]);
      if (sample.length > 1) {
        p.put(o.name(), sample[1]);
        assertThatThrownBy(() -> LoadBalancerConfig.parse(p).createBalancer().group().close()).as(o.name())
            .isInstanceOfSatisfying(OptionException.class, e -> assertThat(e.option()).isEqualTo(o.name()));
      }
    }
  }

  @Test
  void theWholeTableTogetherBuildsABalancer() {
    Map<String, String> p = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> e : samples().entrySet()) {
      p.put(e.getKey(), e.getValue()[0]);
    }
    p.remove("stick-on"); // one persistence mode
    p.remove("route-suffix");
    p.put("backend", "127.0.0.2:8080,[::1]:8081");
    Balancer b = LoadBalancerConfig.parse(p).createBalancer();
    try {
      assertThat(b.group().name()).isEqualTo("web");
      assertThat(b.group().rise()).isEqualTo(4);
    } finally {
      b.group().close();
    }
  }

  /** Every option, a good value and (when there is one) a bad one. */
  private static Map<String, String[]> samples() {
    Map<String, String[]> s = new LinkedHashMap<>();
    s.put("backend", new String[] {"127.0.0.2:8080", "127.0.0.2:0"});
    s.put("name", new String[] {"web"});
    s.put("balance", new String[] {"leastconn", "random"});
    s.put("server-prefix", new String[] {"whoami", "a b"});
    s.put("slots", new String[] {"5", "0"});
    s.put("max-servers", new String[] {"512", "0"});
    s.put("nameserver", new String[] {"127.0.0.1:5353", "dns.example"});
    s.put("resolve-prefer", new String[] {"ipv4", "ipv5"});
    s.put("resolve-retries", new String[] {"2", "101"});
    s.put("timeout-resolve", new String[] {"2s", "0s"});
    s.put("timeout-retry", new String[] {"500ms", "999999d"});
    for (String hold : List.of("hold-valid", "hold-nx", "hold-refused", "hold-timeout", "hold-other", "hold-obsolete")) {
      s.put(hold, new String[] {"10s", "-1s"});
    }
    s.put("accepted-payload-size", new String[] {"1232", "11"});
    s.put("respect-ttl", new String[] {"true", "sometimes"});
    s.put("dns-failure", new String[] {"drop", "ignore"});
    s.put("check", new String[] {"http", "icmp"});
    s.put("check-interval", new String[] {"3s", "0"});
    s.put("check-fastinter", new String[] {"1s", "soon"});
    s.put("check-downinter", new String[] {"5s", "366d"});
    s.put("check-timeout", new String[] {"1s", "0ms"});
    s.put("check-method", new String[] {"GET", "GET /x"});
    s.put("check-path", new String[] {"/health", "health"});
    s.put("check-version", new String[] {"HTTP/1.1", "HTTP/2"});
    s.put("check-expect", new String[] {"200-299", "600"});
    s.put("observe", new String[] {"none", "layer7"});
    s.put("rise", new String[] {"4", "0"});
    s.put("fall", new String[] {"2", "three"});
    s.put("error-limit", new String[] {"5", "0"});
    s.put("timeout-connect", new String[] {"2s", "0s"});
    s.put("cookie", new String[] {"SRVID", "bad name"});
    s.put("cookie-key", new String[] {"k1,k2", "k1,,k2"});
    s.put("cookie-mode", new String[] {"hmac", "md5"});
    s.put("cookie-path", new String[] {"/app", "/a;b"});
    s.put("cookie-domain", new String[] {"example.com", "a b"});
    s.put("cookie-max-age", new String[] {"1h", "0s"});
    s.put("cookie-httponly", new String[] {"off", "2"});
    s.put("cookie-secure", new String[] {"on", "x"});
    s.put("cookie-samesite", new String[] {"Strict", "sometimes"});
    s.put("cookie-nocache", new String[] {"yes", "x"});
    s.put("cookie-indirect", new String[] {"no", "x"});
    s.put("cookie-maxidle", new String[] {"30m", "500ms"});
    s.put("cookie-maxlife", new String[] {"1d", "500ms"});
    s.put("stick-on", new String[] {"JSESSIONID", "JSESSION ID"});
    s.put("stick-table-size", new String[] {"1000", "0"});
    s.put("stick-table-expire", new String[] {"10m", "0s"});
    s.put("stick-table-key-max", new String[] {"64", "0"});
    s.put("route-suffix", new String[] {"jvm1=whoami1", "jvm1"});
    s.put("route-cookie", new String[] {"SESSION", "a=b"});
    s.put("mode", new String[] {"route", "mirror"});
    s.put("timeout-server", new String[] {"60s", "999999d"});
    s.put("timeout-client", new String[] {"10s", "0s"});
    s.put("retries", new String[] {"1", "-1"});
    s.put("maxconn", new String[] {"16", "0"});
    s.put("timeout-queue", new String[] {"2s", "0s"});
    s.put("max-response-header-size", new String[] {"8192", "512"});
    s.put("redispatch", new String[] {"off", "maybe"});
    s.put("forwardfor", new String[] {"false", "maybe"});
    s.put("preserve-host", new String[] {"no", "maybe"});
    s.put("tunnel-upgrades", new String[] {"websocket,x-chat", "h2c"});
    s.put("timeout-tunnel", new String[] {"30m", "0s"});
    s.put("tunnel-on-server-down", new String[] {"close", "drop"});
    s.put("stats-uri", new String[] {"/stats", "stats"});
    s.put("stats-refresh", new String[] {"10s", "1500ms"});
    s.put("stats-auth", new String[] {"admin:pw", "admin"});
    return s;
  }

  /** What an option needs beside it: a backend, and the option that turns its component on. */
  private static Map<String, String> base(String name) {
    Map<String, String> p = new LinkedHashMap<>();
    boolean dns = LoadBalancerConfig.optionTable().stream()
        .anyMatch(o -> o.name().equals(name) && o.section().equals(Section.DNS));
    p.put("backend", dns ? "tasks.whoami:80" : "127.0.0.2:8080");
    if (name.startsWith("cookie")) {
      p.put("cookie", "SRVID");
      p.put("cookie-key", "k");
    }
    if (name.startsWith("stick-table")) {
      p.put("stick-on", "JSESSIONID");
    }
    if (name.equals("route-cookie")) {
      p.put("route-suffix", "learn");
    }
    if (name.startsWith("check-") || name.equals("observe")) {
      p.put("check", "tcp");
    }
    return p;
  }
}
