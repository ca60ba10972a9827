package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The cross-site rule of {@code POST /demo/scale}; DemoIT checks it against the running demo. */
class DemoControlsTest {
  @Test
  void clientsThatAreNotBrowserPagesAreServed() {
    // curl -X POST sends neither header; a URL typed in the address bar is Sec-Fetch-Site: none
    assertThat(DemoControls.crossSite(null, null, "http", "127.0.0.1", 10087)).isNull();
    assertThat(DemoControls.crossSite("none", null, "http", "127.0.0.1", 10087)).isNull();
  }

  @Test
  void aPageOfTheDemosOwnOriginIsServed() {
    assertThat(DemoControls.crossSite("same-origin", "http://127.0.0.1:10087", "http", "127.0.0.1", 10087)).isNull();
    assertThat(DemoControls.crossSite(null, "HTTP://LocalHost:10087", "http", "localhost", 10087)).isNull();
    assertThat(DemoControls.crossSite(null, "http://[::1]:10087", "http", "[::1]", 10087)).isNull();
    assertThat(DemoControls.crossSite(null, "http://example.com", "http", "example.com", 80)).isNull();
    assertThat(DemoControls.crossSite(null, "https://example.com", "https", "example.com", 443)).isNull();
  }

  @Test
  void aPageOfAnyOtherOriginIsRefused() {
    assertThat(DemoControls.crossSite("cross-site", null, "http", "127.0.0.1", 10087)).isEqualTo("Sec-Fetch-Site: cross-site");
    // same-site: another port or subdomain of the same site, still another origin
    assertThat(DemoControls.crossSite("same-site", "http://127.0.0.1:8080", "http", "127.0.0.1", 10087)).isNotNull();
    assertThat(DemoControls.crossSite(null, "http://evil.example", "http", "127.0.0.1", 10087)).isEqualTo("Origin: http://evil.example");
    assertThat(DemoControls.crossSite(null, "http://127.0.0.1:8080", "http", "127.0.0.1", 10087)).isNotNull();
    assertThat(DemoControls.crossSite(null, "https://127.0.0.1:10087", "http", "127.0.0.1", 10087)).isNotNull();
    assertThat(DemoControls.crossSite(null, "http://127.0.0.1", "http", "127.0.0.1", 10087)).isNotNull();
    // sandboxed frames and data: pages send Origin: null
    assertThat(DemoControls.crossSite(null, "null", "http", "127.0.0.1", 10087)).isEqualTo("Origin: null");
    assertThat(DemoControls.crossSite(null, "not a uri", "http", "127.0.0.1", 10087)).isNotNull();
    // a header saying same-origin does not excuse an Origin that is not
    assertThat(DemoControls.crossSite("same-origin", "http://evil.example", "http", "127.0.0.1", 10087)).isNotNull();
  }
}
