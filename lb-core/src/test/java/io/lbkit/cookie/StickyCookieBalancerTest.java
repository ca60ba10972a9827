package io.lbkit.cookie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class StickyCookieBalancerTest {
  static final String KEY = "njqWdVKWfG";
  ServerGroup group;
  StickyCookieBalancer sticky;

  @BeforeEach
  void setUp() {
    group = ServerGroup.builder("be_whoami").slots("whoami", 5).build();
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:18080"), Endpoint.parse("127.0.0.3:18080"), Endpoint.parse("127.0.0.4:18080")));
    sticky = StickyCookieBalancer.builder().cookieKey(KEY).build(group);
  }

  String value(String endpoint) {
    return CookieMode.SIPHASH.codec(KEY).value(Endpoint.parse(endpoint));
  }

  static RequestView headers(String... cookieHeaders) {
    return new RequestView() {
      @Override
      public int cookieHeaderCount() {
        return cookieHeaders.length;
      }

      @Override
      public String cookieHeader(int index) {
        return cookieHeaders[index];
      }

      @Override
      public String clientAddress() {
        return "127.0.0.1";
      }
    };
  }

  @Test
  void withoutCookieBalancesRoundRobinAndSetsTheCookie() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Selection s = sticky.select(RequestView.EMPTY);
      names.add(s.name());
      assertThat(s.setCookie()).isEqualTo("SRVID=" + value(s.server().endpoint().authority()) + "; Path=/; HttpOnly; SameSite=Lax");
    }
    assertThat(names).containsExactly("whoami1", "whoami2", "whoami3", "whoami1");
  }

  @Test
  void aValidCookieForAnUpServerPinsWithoutANewCookieAndDoesNotAdvanceTheRotation() {
    for (int i = 0; i < 10; i++) {
      Selection s = sticky.select(RequestView.of("SRVID=" + value("127.0.0.3:18080")));
      assertThat(s.name()).isEqualTo("whoami2");
      assertThat(s.setCookie()).isNull();
    }
    assertThat(sticky.select(RequestView.EMPTY).name()).isEqualTo("whoami1");
  }

  @Test
  void cookieForADownMaintOrDepartedServerIsRebalancedWithANewCookie() {
    String cookie = "SRVID=" + value("127.0.0.3:18080");
    group.setMaintenance("whoami2", true);
    Selection s = sticky.select(RequestView.of(cookie));
    assertThat(s.name()).isNotEqualTo("whoami2");
    assertThat(s.setCookie()).startsWith("SRVID=" + value(s.server().endpoint().authority()));
    group.setMaintenance("whoami2", false);
    assertThat(sticky.select(RequestView.of(cookie)).name()).isEqualTo("whoami2");

    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:18080"), Endpoint.parse("127.0.0.4:18080")));
    Selection moved = sticky.select(RequestView.of(cookie));
    assertThat(moved.server().endpoint()).isNotEqualTo(Endpoint.parse("127.0.0.3:18080"));
    assertThat(moved.setCookie()).isNotNull();
  }

  @Test
  void forgedUnknownAndMalformedValuesAreBalancedNormally() {
    String[] bad = {
        "SRVID=0000000000000000", "SRVID=127.0.0.2:18080", "SRVID=" + value("127.0.0.9:18080"),
        "SRVID=" + value("127.0.0.3:18080").substring(1), "SRVID=" + value("127.0.0.3:18080") + "0",
        "SRVID=", "SRVID", "=" + value("127.0.0.3:18080"), "SRVID=zzzzzzzzzzzzzzzz", ";;;;", "", "   ",
        "SRVID=\"" + value("127.0.0.3:18080"), "SRVID=\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
        "XSRVID=" + value("127.0.0.3:18080"), "SRVIDX=" + value("127.0.0.3:18080"), "srvid=" + value("127.0.0.3:18080"),
    };
    for (String header : bad) {
      Selection s = sticky.select(RequestView.of(header));
      assertThat(s.isEmpty()).as(header).isFalse();
      assertThat(s.setCookie()).as(header).isNotNull();
    }
  }

  @Test
  void findsOurCookieAmongOthersWithWhitespaceQuotesAndSeveralHeaders() {
    String v = value("127.0.0.4:18080");
    String[] good = {
        "a=1; b=2; SRVID=" + v + "; c=3",
        "a=1;SRVID=" + v,
        "  SRVID = " + v + "  ;x=y",
        "SRVID=\"" + v + "\"",
        "XSRVID=" + value("127.0.0.2:18080") + "; SRVID=" + v,
        "SRVID=; SRVID=garbage; SRVID=" + v,
        "SRVID=" + value("127.0.0.9:18080") + "; SRVID=" + v, // first VALID wins
        "flag; SRVID=" + v,
        "a=\u00ff\u00fe; SRVID=" + v,
    };
    for (String header : good) {
      Selection s = sticky.select(RequestView.of(header));
      assertThat(s.name()).as(header).isEqualTo("whoami3");
      assertThat(s.setCookie()).as(header).isNull();
    }
    Selection multi = sticky.select(headers("a=1; b=2", "SRVID=nothex", "c=3; SRVID=" + v));
    assertThat(multi.name()).isEqualTo("whoami3");
    assertThat(multi.setCookie()).isNull();
    // duplicates: the first valid one wins
    assertThat(sticky.select(RequestView.of("SRVID=" + value("127.0.0.2:18080") + "; SRVID=" + v)).name()).isEqualTo("whoami1");
  }

  @Test
  void hugeHeadersAreScannedToTheEnd() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 16 * 1024; i++) {
      sb.append("c").append(i).append("=").append("x".repeat(50)).append("; ");
    }
    sb.append("SRVID=").append(value("127.0.0.3:18080"));
    assertThat(sticky.select(RequestView.of(sb.toString())).name()).isEqualTo("whoami2");
    assertThat(sticky.select(RequestView.of("SRVID=" + "f".repeat(100_000))).setCookie()).isNotNull();
  }

  @Test
  void keyRotationAcceptsOldKeysAndReissuesUnderTheNewOne() {
    StickyCookieBalancer rotated = StickyCookieBalancer.builder().cookieKey("new-key", KEY).build(group);
    Selection old = rotated.select(RequestView.of("SRVID=" + value("127.0.0.3:18080")));
    assertThat(old.name()).isEqualTo("whoami2");
    String fresh = CookieMode.SIPHASH.codec("new-key").value(Endpoint.parse("127.0.0.3:18080"));
    assertThat(old.setCookie()).startsWith("SRVID=" + fresh + ";");
    Selection current = rotated.select(RequestView.of("SRVID=" + fresh));
    assertThat(current.name()).isEqualTo("whoami2");
    assertThat(current.setCookie()).isNull();
  }

  @Test
  void collidingValuesWarnNamingBothAndRouteDeterministically() {
    try (LogCapture logs = LogCapture.of(StickyCookieBalancer.class)) {
      StickyCookieBalancer same = StickyCookieBalancer.builder().cookieCodec(endpoint -> 42L).build(group);
      assertThat(logs.messages(Level.WARN)).contains(
          "be_whoami: servers whoami1 and whoami2 have the same cookie value; requests carrying it go to whoami1. Change the cookie key.",
          "be_whoami: servers whoami1 and whoami3 have the same cookie value; requests carrying it go to whoami1. Change the cookie key.");
      for (int i = 0; i < 5; i++) {
        assertThat(same.select(RequestView.of("SRVID=000000000000002a")).name()).isEqualTo("whoami1");
      }
    }
  }

  @Test
  void haproxyModeAcceptsCookiesIssuedByHaproxy() {
    StickyCookieBalancer compat = StickyCookieBalancer.builder().cookieMode(CookieMode.HAPROXY).cookieKey(KEY).build(group);
    Selection s = compat.select(RequestView.of("SRVID=3e42c2b187a3ea7c"));
    assertThat(s.name()).isEqualTo("whoami1");
    assertThat(s.setCookie()).isNull();
  }

  @Test
  void attributesAreConfigurable() {
    StickyCookieBalancer custom = StickyCookieBalancer.builder().cookie("LB").cookieKey(KEY).cookiePath("/app")
        .cookieDomain("example.com").cookieMaxAge(Duration.ofHours(1)).cookieSecure(true).cookieHttpOnly(false)
        .cookieSameSite("strict").cookieNocache(true).cookieIndirect(false).build(group);
    Selection s = custom.select(RequestView.EMPTY);
    assertThat(s.setCookie()).isEqualTo("LB=" + value("127.0.0.2:18080") + "; Path=/app; Domain=example.com; Max-Age=3600; Secure; SameSite=Strict");
    assertThat(custom.cookieNocache()).isTrue();
    assertThat(custom.stripFromRequest()).isFalse();
    assertThat(custom.cookieName()).isEqualTo("LB");
    StickyCookieBalancer bare = StickyCookieBalancer.builder().cookieKey(KEY).cookiePath(null).cookieHttpOnly(false).cookieSameSite(null).build(group);
    assertThat(bare.select(RequestView.EMPTY).setCookie()).isEqualTo("SRVID=" + value("127.0.0.2:18080"));
  }

  @Test
  void noServerGivesNoneAndNoCookie() {
    group.setEndpoints(List.of());
    assertThat(sticky.select(RequestView.of("SRVID=" + value("127.0.0.3:18080")))).isSameAs(Selection.NONE);
  }

  @Test
  void cookieValueForTheStatsPage() {
    assertThat(sticky.cookieValue(Endpoint.parse("127.0.0.3:18080"))).isEqualTo(value("127.0.0.3:18080"));
    assertThat(sticky.cookieValue(Endpoint.parse("127.0.0.99:1"))).isEqualTo(value("127.0.0.99:1"));
  }

  @Test
  void stripsOurCookieForTheBackend() {
    assertThat(sticky.stripCookie("a=1; SRVID=abc; b=2")).isEqualTo("a=1; b=2");
    assertThat(sticky.stripCookie("SRVID=abc")).isNull();
    assertThat(sticky.stripCookie("a=1;XSRVID=abc")).isEqualTo("a=1;XSRVID=abc");
    assertThat(sticky.stripCookie(null)).isNull();
    assertThat(sticky.forwardedCookieHeader("a=1; SRVID=abc")).isEqualTo("a=1");
    StickyCookieBalancer direct = StickyCookieBalancer.builder().cookieKey(KEY).cookieIndirect(false).build(group);
    assertThat(direct.forwardedCookieHeader("a=1; SRVID=abc")).isEqualTo("a=1; SRVID=abc");
  }

  @Test
  void builderRejectsBadSettingsClearly() {
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookie("SRV ID")).hasMessageStartingWith("cookie: 'SRV ID' (expected:");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookie("")).hasMessageStartingWith("cookie: ''");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieKey(List.of())).hasMessage("cookie-key: none (expected: one or more non-empty keys)");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieKey("a", "")).hasMessageStartingWith("cookie-key: an empty key");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().build(group)).hasMessageStartingWith("cookie-key: not set");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieSameSite("sometimes")).hasMessageStartingWith("cookie-samesite: 'sometimes'");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieKey("k").cookieSameSite("None").build(group))
        .hasMessageStartingWith("cookie-samesite: None requires cookie-secure");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieDomain("a;b")).hasMessageStartingWith("cookie-domain: 'a;b'");
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieMaxAge(Duration.ZERO)).hasMessageStartingWith("cookie-max-age: 0ms");
  }
}
