package io.lbkit.cookie;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the in-place cookie scanner, over generated headers. */
class CookieScanPropertiesTest {
  private final ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80,127.0.0.3:80,127.0.0.4:80").build();
  private final StickyCookieBalancer sticky = StickyCookieBalancer.builder().cookieKey("k").build(group);

  @Provide
  Arbitrary<String> otherCookie() {
    Arbitrary<String> names = Arbitraries.strings().withChars("abcXYZ_-0123456789SRVID").ofMinLength(1).ofMaxLength(8)
        .filter(n -> !n.equals("SRVID"));
    Arbitrary<String> values = Arbitraries.strings().withChars("abcdef0123456789=\"\u00e9 ").ofMaxLength(24);
    return names.flatMap(n -> values.map(v -> n + "=" + v.replace(";", "")));
  }

  @Property
  void ourCookieIsFoundWhereverItStands(@ForAll @Size(max = 8) List<@net.jqwik.api.From("otherCookie") String> others,
      @ForAll @IntRange(min = 0, max = 8) int position, @ForAll @IntRange(min = 0, max = 2) int server,
      @ForAll boolean spaces) {
    Endpoint target = group.snapshot().server(server).endpoint();
    String ours = "SRVID=" + sticky.cookieValue(target);
    List<String> pairs = new java.util.ArrayList<>(others);
    pairs.add(Math.min(position, pairs.size()), ours);
    String header = String.join(spaces ? " ;  " : ";", pairs);
    Selection s = sticky.select(RequestView.of(header));
    assertThat(s.server().endpoint()).isEqualTo(target);
    assertThat(s.setCookie()).isNull();
  }

  @Property
  void anyHeaderGivesALiveServerAndNeverThrows(@ForAll String header) {
    Selection s = sticky.select(RequestView.of(header));
    Server server = s.server();
    assertThat(group.snapshot().usable()).contains(server);
  }
}
