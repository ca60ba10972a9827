package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class EndpointTest {
  @Test
  void identityIsAddressAndPortOnly() throws Exception {
    Endpoint a = Endpoint.of(InetAddress.getByName("127.0.0.2"), 8080);
    Endpoint b = a.withWeight(7).withPriority(3).withHostname("whoami");
    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(b.sameAttributes(a)).isFalse();
    assertThat(b.weight()).isEqualTo(7);
    assertThat(b.priority()).isEqualTo(3);
    assertThat(b.hostname()).isEqualTo("whoami");
    assertThat(a.withWeight(1)).isSameAs(a);
    assertThat(Endpoint.of(InetAddress.getByName("127.0.0.2"), 8081)).isNotEqualTo(a);
  }

  @Test
  void parsesIpv4AndIpv6Literals() {
    Endpoint v4 = Endpoint.parse("127.0.0.2:18080");
    assertThat(v4.ipAddress()).isEqualTo("127.0.0.2");
    assertThat(v4.port()).isEqualTo(18080);
    assertThat(v4.isIpv6()).isFalse();
    Endpoint v6 = Endpoint.parse("[::1]:80");
    assertThat(v6.isIpv6()).isTrue();
    assertThat(v6.authority()).isEqualTo("[0:0:0:0:0:0:0:1]:80");
  }

  @Test
  void rejectsBadValuesWithClearMessages() throws Exception {
    InetAddress local = InetAddress.getByName("127.0.0.1");
    assertThatThrownBy(() -> Endpoint.of(local, 0)).hasMessage("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> Endpoint.of(local, 65536)).hasMessage("port: 65536 (expected: 1..65535)");
    assertThatThrownBy(() -> Endpoint.of(local, 80).withWeight(257)).hasMessage("weight: 257 (expected: 0..256)");
    assertThatThrownBy(() -> Endpoint.of(local, 80).withWeight(-1)).hasMessage("weight: -1 (expected: 0..256)");
    assertThatThrownBy(() -> Endpoint.of(null, 80)).hasMessageContaining("address: null");
    assertThatThrownBy(() -> Endpoint.parse("whoami:80")).hasMessageContaining("expected: an IPv4 or IPv6 literal");
    assertThatThrownBy(() -> Endpoint.parse("127.0.0.1")).hasMessageContaining("expected: host:port");
    assertThatThrownBy(() -> Endpoint.parse("127.0.0.1:http")).hasMessage("endpoint: '127.0.0.1:http' (expected: a port 1..65535)");
  }
}
