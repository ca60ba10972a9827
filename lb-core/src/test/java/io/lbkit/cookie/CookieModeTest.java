package io.lbkit.cookie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Endpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.macs.SipHash;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CookieModeTest {
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      // from a real HAProxy 2.6 (reference §5.3 and the foundation issue)
      "njqWdVKWfG, 127.0.0.2:18080, 3e42c2b187a3ea7c",
      "KEY, 127.0.0.2:8080, fce15e7843214f3b",
      "KEY, 127.0.0.3:8080, 212a9ba12d3fea18",
      "KEY, 127.0.0.4:8080, 5741238ea8812aa7",
      "KEY, 127.0.0.5:8080, 12c471fc386c9877",
      "KEY, 10.0.1.5:80, c0ade3d9a17f6ca6",
      "KEY, 10.0.1.6:80, 96545f87e94cb47e",
      "KEY, [fd00::1]:80, 0eb5761ff8ba7669",
  })
  void haproxyModeReproducesHaproxyDynamicCookies(String key, String endpoint, String expected) {
    assertThat(CookieMode.HAPROXY.codec(key).value(Endpoint.parse(endpoint))).isEqualTo(expected);
  }

  @Test
  void sipHashModeIsSipHash24UnderTheSha256DerivedKey() throws Exception {
    // BouncyCastle's SipHash against the reference vector of the SipHash paper (key 00..0f, message 00..0e)
    SipHash paper = new SipHash(2, 4);
    paper.init(new KeyParameter(HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f")));
    byte[] msg = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e");
    paper.update(msg, 0, msg.length);
    byte[] out = new byte[8];
    paper.doFinal(out, 0);
    assertThat(HexFormat.of().formatHex(out)).isEqualTo("e545be4961ca29a1");

    // our derivation, computed independently with the JDK's SHA-256
    byte[] sipKey = java.util.Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest("s3cret".getBytes(StandardCharsets.UTF_8)), 16);
    SipHash mac = new SipHash(2, 4);
    mac.init(new KeyParameter(sipKey));
    byte[] message = ByteBuffer.allocate(8).put(new byte[] {127, 0, 0, 2}).putInt(18080).array();
    mac.update(message, 0, message.length);
    String expected = String.format("%016x", mac.doFinal());
    assertThat(CookieMode.SIPHASH.codec("s3cret").value(Endpoint.parse("127.0.0.2:18080"))).isEqualTo(expected);
  }

  @Test
  void hmacModeIsTruncatedHmacSha256() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] full = mac.doFinal(ByteBuffer.allocate(8).put(new byte[] {127, 0, 0, 2}).putInt(18080).array());
    String expected = HexFormat.of().formatHex(full, 0, 8);
    assertThat(CookieMode.HMAC.codec("s3cret").value(Endpoint.parse("127.0.0.2:18080"))).isEqualTo(expected);
  }

  @Test
  void valuesAreSixteenHexDigitsAndRevealNoAddress() {
    for (CookieMode mode : CookieMode.values()) {
      CookieCodec codec = mode.codec("k");
      for (String ep : new String[] {"127.0.0.2:18080", "10.0.0.1:80", "[fd00::1]:443"}) {
        Endpoint endpoint = Endpoint.parse(ep);
        String value = codec.value(endpoint);
        assertThat(value).matches("[0-9a-f]{16}");
        assertThat(value).doesNotContain(endpoint.ipAddress()).doesNotContain(Integer.toHexString(endpoint.port()));
      }
      assertThat(codec.value(Endpoint.parse("127.0.0.2:80"))).isNotEqualTo(mode.codec("other").value(Endpoint.parse("127.0.0.2:80")));
    }
  }

  @Test
  void parsesModeNames() {
    assertThat(CookieMode.parse("SipHash")).isEqualTo(CookieMode.SIPHASH);
    assertThat(CookieMode.parse("haproxy")).isEqualTo(CookieMode.HAPROXY);
    assertThat(CookieMode.HMAC.configName()).isEqualTo("hmac");
    assertThatThrownBy(() -> CookieMode.parse("md5")).hasMessage("cookie-mode: 'md5' (expected: siphash, hmac, haproxy or prefix)");
  }
}
