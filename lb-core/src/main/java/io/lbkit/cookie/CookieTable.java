package io.lbkit.cookie;

import io.lbkit.core.Endpoint;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.Snapshot;
import io.lbkit.internal.CookieHeaders;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cookie state of one snapshot, built when the snapshot is published and then only read: an
 * open-addressing table from cookie value (a {@code long}) to the selection it pins, and per slot
 * the selection that carries our {@code Set-Cookie}. {@link #find} is the per-request part: it scans
 * a raw {@code Cookie} header and probes the table without allocating.
 */
final class CookieTable {
  // logged under the balancer's name: that is the category users configure
  private static final Logger log = LoggerFactory.getLogger(StickyCookieBalancer.class);

  /** Every usable endpoint's values, one per codec (current key first); carried to the next snapshot. */
  final Map<Endpoint, long[]> values;
  /** By slot: the server with our current {@code Set-Cookie} (no cookie in prefix style); null when not usable. */
  final Selection[] withCookie;
  final long[] keys;
  /** Parallel to {@link #keys}: the selection a value pins to; null marks a free cell. */
  final Selection[] table;
  final int mask;
  /** The number of values in the table; 0 means nothing can match. */
  final int size;

  /** The table before the first snapshot: matches nothing. */
  CookieTable() {
    this.values = new HashMap<>();
    this.withCookie = new Selection[0];
    this.keys = new long[1];
    this.table = new Selection[1];
    this.mask = 0;
    this.size = 0;
  }

  /**
   * Builds the table for {@code snapshot}'s usable servers. Values of endpoints in {@code previous}
   * are reused (no rehash on a health flap); a value under an older key pins to a selection that
   * re-issues the cookie under the current key.
   */
  CookieTable(Snapshot snapshot, Map<Endpoint, long[]> previous, List<CookieCodec> codecs, SetCookieFormat format,
      String groupName, boolean prefix) {
    List<Server> usable = snapshot.usable();
    values = new HashMap<>();
    withCookie = new Selection[snapshot.servers().size()];
    Selection[] pinned = new Selection[withCookie.length];
    for (Server s : usable) {
      long[] v = previous.get(s.endpoint());
      if (v == null) {
        v = new long[codecs.size()];
        for (int k = 0; k < v.length; k++) {
          v[k] = codecs.get(k).compute(s.endpoint());
        }
      }
      values.put(s.endpoint(), v);
      withCookie[s.slot()] = new Selection(s, prefix ? null : format.plain(v[0]));
      pinned[s.slot()] = new Selection(s, null);
    }
    int capacity = Integer.highestOneBit(Math.max(2, usable.size() * codecs.size() * 2) * 2 - 1);
    keys = new long[capacity];
    table = new Selection[capacity];
    mask = capacity - 1;
    int count = 0;
    // current key first, then older keys; within a key, slot order: the first server wins a clash
    for (int k = 0; k < codecs.size(); k++) {
      for (Server s : usable) {
        long key = values.get(s.endpoint())[k];
        Selection existing = get(key);
        if (existing != null) {
          if (existing.server() != s) {
            log.warn("{}: servers {} and {} have the same cookie value; requests carrying it go to {}."
                + " Change the cookie key.", groupName, existing.server().name(), s.name(), existing.server().name());
          }
          continue;
        }
        put(key, k == 0 ? pinned[s.slot()] : withCookie[s.slot()]);
        count++;
      }
    }
    size = count;
  }

  Selection get(long key) {
    int i = indexOf(key);
    return i < 0 ? null : table[i];
  }

  /** The table index holding {@code key}, or -1. */
  int indexOf(long key) {
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      Selection s = table[i];
      if (s == null) {
        return -1;
      }
      if (keys[i] == key) {
        return i;
      }
    }
  }

  private void put(long key, Selection selection) {
    int i = mix(key) & mask;
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    keys[i] = key;
    table[i] = selection;
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * Scans one raw {@code Cookie} header for pairs named exactly {@code name} and finds the first
   * value that is in the table: returns its table index (high 32 bits) and where its 16 hex
   * digits start in the header (low 32 bits), or -1. The digits may be followed by
   * {@code |dates} (maxidle/maxlife), or must be followed by {@code ~} in prefix style. The
   * digits are checked and decoded in one pass and the table probed once. Allocation-free.
   */
  long find(String header, String name, boolean prefix) {
    for (long range = CookieHeaders.valueRange(header, name, 0); range >= 0;
        range = CookieHeaders.valueRange(header, name, CookieHeaders.end(range))) {
      int valueStart = CookieHeaders.start(range);
      int valueEnd = CookieHeaders.end(range);
      int hexEnd = valueStart + 16;
      boolean shaped = prefix
          ? hexEnd < valueEnd && header.charAt(hexEnd) == '~'
          : hexEnd == valueEnd || (hexEnd < valueEnd && header.charAt(hexEnd) == '|');
      if (shaped) {
        long key = 0;
        int bad = 0;
        for (int i = valueStart; i < hexEnd; i++) {
          int d = Hex.digit(header.charAt(i));
          bad |= d; // -1 for a non-hex character sets the sign bit
          key = (key << 4) | (d & 0xF);
        }
        int index = bad < 0 ? -1 : indexOf(key);
        if (index >= 0) {
          return ((long) index << 32) | valueStart;
        }
      }
    }
    return -1;
  }
}
