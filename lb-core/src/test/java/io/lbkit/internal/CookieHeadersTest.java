package io.lbkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link CookieHeaders#valueRange} jumps between occurrences of the name with indexOf; it must
 * find exactly the pairs that the pair-by-pair reference scanner finds, in every header.
 */
class CookieHeadersTest {
  @Provide
  Arbitrary<String> headers() {
    // pieces that make boundaries interesting: our name, look-alikes, separators, quotes, spaces
    Arbitrary<String> piece = Arbitraries.of("SRVID", "XSRVID", "SRVIDX", "SRV", "ID", "=", ";", " ", "\t", "\"",
        "a", "0123456789abcdef", "x=1", "; ", "==", "é");
    return piece.list().ofMaxSize(24).map(l -> String.join("", l));
  }

  @Property(tries = 3000)
  void findsTheSamePairsAsTheReferenceScanner(@ForAll("headers") String header) {
    assertThat(ranges(header, true)).as(header).isEqualTo(ranges(header, false));
  }

  @Property(tries = 3000)
  void valueEndFindsTheEndOfEveryValueFromItsStart(@ForAll("headers") String header) {
    for (long r : ranges(header, true)) {
      assertThat(CookieHeaders.valueEnd(header, CookieHeaders.start(r))).as(header).isEqualTo(CookieHeaders.end(r));
    }
  }

  @Test
  void pairsAreFoundOnlyAtPairBoundaries() {
    String header = "a=SRVID=1; XSRVID=2; SRVIDX=3;  SRVID =\" 4 \" ; SRVID; SRVID=5";
    List<String> values = new ArrayList<>();
    for (long r = CookieHeaders.valueRange(header, "SRVID", 0); r >= 0;
        r = CookieHeaders.valueRange(header, "SRVID", CookieHeaders.end(r))) {
      values.add(header.substring(CookieHeaders.start(r), CookieHeaders.end(r)));
    }
    assertThat(values).containsExactly(" 4 ", "5");
  }

  private static List<Long> ranges(String header, boolean fast) {
    List<Long> out = new ArrayList<>();
    long r = fast ? CookieHeaders.valueRange(header, "SRVID", 0) : CookieHeaders.scanPairs(header, "SRVID", 0);
    while (r >= 0) {
      out.add(r);
      int from = CookieHeaders.end(r);
      r = fast ? CookieHeaders.valueRange(header, "SRVID", from) : CookieHeaders.scanPairs(header, "SRVID", from);
    }
    return out;
  }
}
