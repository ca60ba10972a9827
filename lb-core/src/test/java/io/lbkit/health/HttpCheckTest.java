package io.lbkit.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpCheckTest {
  private final HttpCheck check = new HttpCheck("OPTIONS", "/", "HTTP/1.0", HttpCheck.parseExpect("200-399"));

  private String judge(String line) {
    return check.judge(line).status();
  }

  @Test
  void statusLinesAreJudgedAgainstTheExpectedRange() {
    assertThat(judge("HTTP/1.1 200 OK")).isEqualTo("L7OK");
    assertThat(judge("HTTP/1.0 302 Found")).isEqualTo("L7OK");
    assertThat(judge("HTTP/1.1 399")).isEqualTo("L7OK");
    assertThat(judge("HTTP/1.1 400 Bad Request")).isEqualTo("L7STS 400");
    assertThat(judge("HTTP/1.1 503 Service Unavailable")).isEqualTo("L7STS 503");
    assertThat(judge("HTTP/1.1 199 Weird")).isEqualTo("L7STS 199");
  }

  @Test
  void anythingElseIsABadResponse() {
    assertThat(judge("")).isEqualTo("L7RSP");
    assertThat(judge("garbage")).isEqualTo("L7RSP");
    assertThat(judge("HTTP/1.1 2000 OK")).isEqualTo("L7RSP");
    assertThat(judge("HTTP/1.1 20x OK")).isEqualTo("L7RSP");
    assertThat(judge("HTTP/1.1 099 Low")).isEqualTo("L7RSP");
    assertThat(judge("SSH-2.0-OpenSSH_9.6")).isEqualTo("L7RSP");
    assertThat(judge("HTTP/x.1 200 OK")).isEqualTo("L7RSP");
  }

  @Test
  void expectListsCombineCodesAndRanges() {
    HttpCheck c = new HttpCheck("GET", "/", "HTTP/1.1", HttpCheck.parseExpect(" 204 , 300-302"));
    assertThat(c.expected(204)).isTrue();
    assertThat(c.expected(200)).isFalse();
    assertThat(c.expected(301)).isTrue();
    assertThat(c.expectText()).isEqualTo("204,300-302");
  }

  @Test
  void requestsFollowTheVersion() {
    assertThat(check.request("x:1")).isEqualTo("OPTIONS / HTTP/1.0\r\n\r\n");
    HttpCheck c11 = new HttpCheck("HEAD", "/h", "HTTP/1.1", HttpCheck.parseExpect("200"));
    assertThat(c11.request("app.internal:8080")).isEqualTo("HEAD /h HTTP/1.1\r\nHost: app.internal:8080\r\nConnection: close\r\n\r\n");
  }
}
