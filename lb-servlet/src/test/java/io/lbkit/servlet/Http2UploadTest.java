package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WhoamiServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, point 3: HTTP/2 has no {@code Transfer-Encoding}; a body without {@code Content-Length}
 * comes in DATA frames and must reach the server whole. Real h2c connectors in Jetty and Tomcat,
 * the JDK client upgrading to HTTP/2 on its first request.
 */
class Http2UploadTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  private final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return h2.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The first request upgrades the connection (h2c); the ones after it go over HTTP/2. */
  private void upgrade() throws Exception {
    HttpResponse<String> first = send(HttpRequest.newBuilder(f.uri("/warm-up")));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aStreamedPostWithoutLengthReachesTheServerWhole(Kind kind) throws Exception {
    f.backends(1).h2c().start(kind);
    upgrade();
    byte[] body = new byte[300_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = WhoamiServer.patternByte(i);
    }
    CRC32 crc = new CRC32();
    crc.update(body);
    for (String method : new String[] {"POST", "PUT", "PATCH"}) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(f.uri("/sink"))
          .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).as(method).contains("Body-Length: " + body.length)
          .contains("Body-CRC32: " + Long.toHexString(crc.getValue()));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anEmptyStreamedPostArrivesEmptyAndAGetCarriesNoBody(Kind kind) throws Exception {
    f.backends(1).h2c().start(kind);
    upgrade();
    HttpResponse<String> r = send(HttpRequest.newBuilder(f.uri("/sink"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[0]))));
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Body-Length: 0");
    HttpResponse<String> get = send(HttpRequest.newBuilder(f.uri("/plain")));
    assertThat(get.version()).isEqualTo(HttpClient.Version.HTTP_2);
    RecordedRequest received = f.backend(0).requests().get(f.backend(0).requestCount() - 1);
    assertThat(received.path()).isEqualTo("/plain");
    assertThat(received.header("Transfer-Encoding")).isNull();
    assertThat(received.header("Content-Length")).isNull();
  }
}
