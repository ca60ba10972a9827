package io.lbkit.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRequestTest {
  private static LocalRequest query(String query) {
    return new LocalRequest("GET", "/p", query, "http", "h", 80, Map.of("Accept", "text/html"));
  }

  @Test
  void parametersAreDecodedFirstValueWins() {
    LocalRequest r = query("a=1&format=json&format=html&b=x+y%21&flag&bad=%zz");
    assertThat(r.parameter("format")).isEqualTo("json");
    assertThat(r.parameter("b")).isEqualTo("x y!");
    assertThat(r.parameter("flag")).isEmpty();
    assertThat(r.parameter("bad")).isEqualTo("%zz");
    assertThat(r.parameter("missing")).isNull();
    assertThat(query(null).parameter("a")).isNull();
  }

  @Test
  void headersIgnoreCase() {
    assertThat(query(null).header("accept")).isEqualTo("text/html");
    assertThat(query(null).header("Authorization")).isNull();
  }

  @Test
  void answersKeepHeaderOrder() {
    LocalAnswer a = LocalAnswer.text(401, "text/plain", "no\n").withHeader("A", "1").withHeader("B", "2");
    assertThat(a.headers().keySet()).containsExactly("A", "B");
    assertThat(a.length()).isEqualTo(3);
    assertThat(a.bodyText()).isEqualTo("no\n");
  }
}
