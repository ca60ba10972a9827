package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 12 point 9: the stats page's Basic scheme is case-insensitive (RFC 7617), the credentials are not. */
class StatsAuthTest {
  private final Fixture f = new Fixture();

  @AfterEach
  void close() throws Exception {
    f.close();
  }

  private int status(String authorization) throws Exception {
    return f.send(HttpRequest.newBuilder(f.uri(Fixture.STATS + "?format=json")).header("Authorization", authorization))
        .statusCode();
  }

  private static String b64(String credentials) {
    return Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theSchemeMatchesInAnyCaseTheCredentialsExactly(Kind kind) throws Exception {
    f.backends(1).param("stats-auth", "admin:s3cret").start(kind);
    assertThat(status("basic " + b64("admin:s3cret"))).isEqualTo(200);
    assertThat(status("BASIC  " + b64("admin:s3cret"))).isEqualTo(200);
    assertThat(status("Basic " + b64("admin:s3cret"))).isEqualTo(200);
    assertThat(status("basic " + b64("Admin:s3cret"))).isEqualTo(401);
    assertThat(status("Basic " + b64("admin:s3cret2"))).isEqualTo(401);
    assertThat(status("Bearer " + b64("admin:s3cret"))).isEqualTo(401);
    assertThat(status("Basic not-base64!")).isEqualTo(401);
    assertThat(status("Basic")).isEqualTo(401);
  }
}
