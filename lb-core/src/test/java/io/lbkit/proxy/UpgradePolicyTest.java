package io.lbkit.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.option.OptionException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which upgrades are tunneled and the handshake's lines: no container, no socket. */
class UpgradePolicyTest {
  private final StickyCookieBalancer sticky =
      StickyCookieBalancer.builder().cookieKey("k").build(ProxyHeadersTest.group());
  private final ProxyHeaders headers = new ProxyHeaders(sticky, true, true);
  private final UpgradePolicy websocket = new UpgradePolicy(headers, List.of("websocket"));

  @Test
  void aWebSocketHandshakeIsTunneledWhateverTheCaseAndOtherTokensOfConnection() {
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket")))
        .isEqualTo("websocket");
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("connection", "keep-alive, upgrade", "upgrade",
        "WebSocket"))).isEqualTo("WebSocket");
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket/13")))
        .isEqualTo("websocket/13");
  }

  @Test
  void withoutConnectionUpgradeOrAnAllowedProtocolItIsAnOrdinaryRequest() {
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Upgrade", "websocket"))).isNull();
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "h2c",
        "HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA"))).isNull();
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "TLS/1.2")))
        .isNull();
    UpgradePolicy none = new UpgradePolicy(headers, List.of());
    assertThat(none.enabled()).isFalse();
    assertThat(none.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket"))).isNull();
    // h2c cannot be allowed; the allowed ones among several are kept in the client's order
    UpgradePolicy both = new UpgradePolicy(headers, List.of("h2c", "x-chat", "websocket"));
    assertThat(both.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "h2c, x-chat, websocket")))
        .isEqualTo("x-chat, websocket");
  }

  @Test
  void aHandshakeWithABodyIsAnOrdinaryRequest() {
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket",
        "Content-Length", "5"))).isNull();
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket",
        "Transfer-Encoding", "chunked"))).isNull();
    assertThat(websocket.upgradeOf(ProxyHeadersTest.Lines.of("Connection", "Upgrade", "Upgrade", "websocket",
        "Content-Length", "0"))).isEqualTo("websocket");
  }

  @Test
  void tunnelUpgradesAcceptsTokensOrNoneAndRefusesH2c() {
    assertThat(UpgradePolicy.checkProtocols(List.of("websocket", "x-chat"))).containsExactly("websocket", "x-chat");
    assertThat(UpgradePolicy.checkProtocols(List.of("none"))).isEmpty();
    assertThat(UpgradePolicy.checkProtocols(List.of())).isEmpty();
    assertThatThrownBy(() -> UpgradePolicy.checkProtocols(List.of("websocket", "h2c")))
        .isInstanceOf(OptionException.class).hasMessageContaining("tunnel-upgrades");
    assertThatThrownBy(() -> UpgradePolicy.checkProtocols(List.of("web socket")))
        .isInstanceOf(OptionException.class);
  }

  @Test
  void theHandshakeKeepsItsWebSocketLinesAndGetsTheProxysOwn() {
    ProxyHeadersTest.Lines client = ProxyHeadersTest.Lines.of("Host", "shop.example", "Connection", "keep-alive, Upgrade",
        "Upgrade", "websocket", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13",
        "Sec-WebSocket-Protocol", "chat", "Keep-Alive", "timeout=5", "Cookie", "SRVID=0011223344556677; a=1");
    String head = new String(websocket.requestHead("GET", "/chat?x=1", client, "10.0.0.9", "https", 8443, "websocket",
        "127.0.0.2:8080"), StandardCharsets.ISO_8859_1);
    assertThat(head).startsWith("GET /chat?x=1 HTTP/1.1\r\n").endsWith("Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        .contains("Host: shop.example\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Protocol: chat\r\n", "X-Forwarded-For: 10.0.0.9\r\n",
            "X-Forwarded-Proto: https\r\n", "Cookie: a=1\r\n")
        .doesNotContain("keep-alive", "Keep-Alive", "SRVID");
    assertThat(head.split("Connection:", -1)).hasSize(2);
    // without preserve-host the server's address is the Host
    UpgradePolicy plain = new UpgradePolicy(new ProxyHeaders(sticky, false, false), List.of("websocket"));
    assertThat(new String(plain.requestHead("GET", "/", client, "10.0.0.9", "http", 80, "websocket", "127.0.0.2:8080"),
        StandardCharsets.ISO_8859_1)).contains("Host: 127.0.0.2:8080\r\n").doesNotContain("X-Forwarded");
  }

  @Test
  void the101KeepsItsUpgradeLinesAndGetsTheSelectionsCookie() {
    Selection fresh = sticky.select(RequestView.EMPTY);
    assertThat(fresh.setCookie()).isNotNull();
    ProxyHeadersTest.Lines out = new ProxyHeadersTest.Lines();
    websocket.switchingResponse(ProxyHeadersTest.Lines.of("Upgrade", "websocket", "Connection", "Upgrade",
        "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Keep-Alive", "timeout=5"), fresh, out);
    assertThat(out.lines).extracting(e -> e.getKey() + ": " + e.getValue()).containsExactlyInAnyOrder(
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Set-Cookie: " + fresh.setCookie(),
        "Connection: Upgrade", "Upgrade: websocket");
  }
}
