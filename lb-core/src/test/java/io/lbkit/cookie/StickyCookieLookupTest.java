package io.lbkit.cookie;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The request-time lookup decodes the 16 hex digits and probes the table in one pass; a value
 * that is not exactly 16 hex digits must never pin, even when its other characters match a live
 * server's value.
 */
class StickyCookieLookupTest {
  private final ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80,127.0.0.3:80").build();
  private final Endpoint target = Endpoint.parse("127.0.0.3:80");
  // a key whose value for target has an 'f': a decoder that maps bad characters to 15 would accept a forgery there
  private final String key = keyWithAnF();
  private final StickyCookieBalancer sticky = StickyCookieBalancer.builder().cookieKey(key).build(group);
  private final String value = sticky.cookieValue(target);

  private String keyWithAnF() {
    for (int i = 0; ; i++) {
      if (CookieMode.SIPHASH.codec("k" + i).value(target).indexOf('f') >= 0) {
        return "k" + i;
      }
    }
  }

  @Test
  void theExactValuePinsInLowerOrUpperCase() {
    for (String v : List.of(value, value.toUpperCase(Locale.ROOT))) {
      Selection s = sticky.select(RequestView.of("a=1; SRVID=" + v + "; b=2"));
      assertThat(s.server().endpoint()).as(v).isEqualTo(target);
      assertThat(s.setCookie()).as(v).isNull();
    }
  }

  @Test
  void oneNonHexCharacterAnywhereMeansNoPin() {
    for (int i = 0; i < 16; i++) {
      // 'g' and '/' sit next to hex ranges; U+0663 is a digit to Character.digit; U+0100 masks to 0 in a low byte
      for (char c : new char[] {'g', 'G', '/', ':', '@', '`', ' ', '\u0663', '\u0100', '\u0130'}) {
        String forged = value.substring(0, i) + c + value.substring(i + 1);
        Selection s = sticky.select(RequestView.of("SRVID=" + forged));
        assertThat(s.setCookie()).as("value %s", forged).isNotNull(); // balanced afresh, new cookie
      }
    }
  }
}
