package io.lbkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link CookieHeaders#remove}: what a plain split-and-trim does, without its garbage. */
class CookieHeadersRemoveTest {
  /** The plain version, as the definition. */
  private static String reference(String header, String name) {
    if (header == null || header.indexOf(name) < 0) {
      return header;
    }
    StringBuilder out = new StringBuilder();
    boolean removed = false;
    for (String pair : header.split(";")) {
      String trimmed = pair.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if ((eq < 0 ? trimmed : trimmed.substring(0, eq)).trim().equals(name)) {
        removed = true;
        continue;
      }
      out.append(out.length() > 0 ? "; " : "").append(trimmed);
    }
    return !removed ? header : out.length() == 0 ? null : out.toString();
  }

  @Test
  void examples() {
    assertThat(CookieHeaders.remove("SRVID=abc", "SRVID")).isNull();
    assertThat(CookieHeaders.remove("a=1; SRVID=abc", "SRVID")).isEqualTo("a=1");
    assertThat(CookieHeaders.remove(" a=1 ;SRVID = x; b=2;", "SRVID")).isEqualTo("a=1; b=2");
    String untouched = "a=1;  b=2";
    assertThat(CookieHeaders.remove(untouched, "SRVID")).isSameAs(untouched);
    assertThat(CookieHeaders.remove("SRVIDX=1", "SRVID")).isEqualTo("SRVIDX=1");
  }

  @Test
  void randomHeadersGiveThePlainVersionsAnswer() {
    Random random = new Random(16);
    String alphabet = "ab=; \t\u0001c";
    for (int i = 0; i < 50_000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(14);
      for (int j = 0; j < len; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String header = sb.toString();
      for (String name : new String[] {"a", "ab", "b"}) {
        assertThat(CookieHeaders.remove(header, name)).as("[%s] without %s", header, name)
            .isEqualTo(reference(header, name));
      }
    }
  }
}
