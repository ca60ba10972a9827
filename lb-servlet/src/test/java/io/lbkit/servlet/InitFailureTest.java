package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.dns.DnsOptions;
import io.lbkit.servlet.ServletContainer.Kind;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Bad configuration fails init with one message naming the parameter and what it accepts. */
class InitFailureTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @CsvSource(delimiterString = "@@", value = {
      "cookie-mode@@md5@@cookie-mode: 'md5' (expected: siphash, hmac, haproxy or prefix)",
      "mode@@mirror@@mode: 'mirror' (expected: proxy or route)",
      "timeout-server@@soon@@timeout-server: 'soon' (expected: a duration such as 500ms, 10s, 2m, 1h)",
      "retries@@-1@@retries: -1 (expected: 0..100)",
      "redispatch@@maybe@@redispatch: 'maybe' (expected: on or off)",
      "balance@@random@@balance: 'random' (expected: roundrobin or leastconn)",
      "stats-uri@@my-stats@@stats-uri: 'my-stats' (expected: a path such as /my-stats)",
      "stats-auth@@admin@@stats-auth: <masked> (expected: user:password, both non-empty)",
      "check@@sometimes@@check: 'sometimes' (expected: tcp, http, none, on or off)",
      "hold-valid@@forever@@hold-valid: 'forever' (expected: a duration such as 500ms, 10s, 2m, 1h)",
      "cookie@@bad name@@cookie: 'bad name' (expected: a cookie name made of letters, digits and !#$%&'*+-.^_`|~)",
      "timeout-server@@999999d@@timeout-server: 999999d (expected: at most 365d)",
      "slots@@x@@slots: 'x' (expected: an integer 1..100000)",
      "stick-on@@JSESSION ID@@stick-on: 'JSESSION ID' (expected: a cookie name made of letters, digits and !#$%&'*+-.^_`|~)",
  })
  void badValuesNameTheParameter(String key, String value, String message) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("backend", DnsOptions.ALL.contains(key) ? "tasks.whoami:80" : "127.0.0.2:8080");
    if (key.startsWith("cookie") && !key.equals("cookie")) {
      p.put("cookie", "SRVID");
      p.put("cookie-key", "k");
    }
    if (key.equals("cookie")) {
      p.put("cookie-key", "k");
    }
    p.put(key, value);
    assertThatThrownBy(() -> LoadBalancerConfig.parse(p)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void unknownParametersAreErrorsListingTheKnownOnes() {
    assertThatThrownBy(() -> LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:80", "cookie_key", "x")))
        .hasMessageStartingWith("cookie_key: unknown parameter (expected: one of ")
        .hasMessageContaining("cookie-key, cookie-max-age")
        .hasMessageContaining("backend, balance, check");
  }

  @Test
  void missingBackendAndCookieKeyAreNamed() {
    assertThatThrownBy(() -> LoadBalancerConfig.parse(Map.of("mode", "proxy")))
        .hasMessageStartingWith("backend: not set (expected: ");
    assertThatThrownBy(() -> LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:80", "cookie", "SRVID")))
        .hasMessageStartingWith("cookie-key: not set (expected: ");
    assertThatThrownBy(() -> LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:80", "cookie", "SRVID",
        "cookie-key", "k", "stick-on", "JSESSIONID")))
        .hasMessage("stick-on: set together with cookie (expected: one persistence mode: cookie, stick-on or route-suffix)");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theContainerRefusesToStartTheFilter(Kind kind) throws Exception {
    ServletContainer c = f.param("backend", "127.0.0.2:8080").param("cookie-mode", "md5").param("cookie", "SRVID")
        .param("cookie-key", "k").start(kind).container;
    assertThat(c.available()).isFalse();
    if (c.failure() != null) {
      assertThat(c.failure()).hasStackTraceContaining(
          "lbkit filter 'lb': invalid configuration: cookie-mode: 'md5' (expected: siphash, hmac, haproxy or prefix)");
    }
  }

  @Test
  void dnsNamesAndStaticListsAreTold() {
    LoadBalancerConfig stat = LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:8080, [::1]:8081"));
    assertThat(stat.staticEndpoints()).hasSize(2);
    LoadBalancerConfig dns = LoadBalancerConfig.parse(Map.of("backend", "tasks.whoami:80", "nameserver", "127.0.0.1:5353",
        "hold-valid", "10s"));
    assertThat(dns.staticEndpoints()).isNull();
    assertThatThrownBy(() -> LoadBalancerConfig.parse(Map.of("backend", "tasks.whoami")))
        .hasMessageStartingWith("backend: 'tasks.whoami' (expected: ip:port[,ip:port...], a DNS name host:port");
    assertThat(LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:80", "cookie-key", "secret",
        "stats-auth", "a:b")).toString()).doesNotContain("secret").doesNotContain("a:b").contains("<masked>");
  }
}
