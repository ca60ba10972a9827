package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class WhoamiServerWaitTest {
  @Test
  void waitTakesTraefikWhoamiDurations() {
    assertThat(WhoamiServer.waitMillis("500ms")).isEqualTo(500);
    assertThat(WhoamiServer.waitMillis("2s")).isEqualTo(2000);
    assertThat(WhoamiServer.waitMillis("1m")).isEqualTo(60_000);
    assertThat(WhoamiServer.waitMillis("3")).isEqualTo(3000);
    assertThat(WhoamiServer.waitMillis("11m")).isEqualTo(-1);
    assertThat(WhoamiServer.waitMillis("soon")).isEqualTo(-1);
    assertThat(WhoamiServer.waitMillis("-1s")).isEqualTo(-1);
    assertThat(WhoamiServer.waitMillis("")).isEqualTo(-1);
  }

  @Test
  void aBadWaitGetsA400NamingTheForm() throws Exception {
    try (WhoamiServer w = WhoamiServer.start("whoami-1", "127.0.0.2")) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + w.authority() + "/?wait=soon")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).startsWith("wait: 'soon' (expected: a duration");
      r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + w.authority() + "/?wait=1ms")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("Hostname: whoami-1\n");
    }
  }
}
