package io.lbkit.cookie;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes HAProxy's cookie dates ({@link Dates}): reading at every offset of arbitrary text never
 * throws and gives -1 or a 32-bit multiple of 4 written exactly by the 5 characters read; writing
 * any time gives 5 characters that read back as that time (to its 4-second, 32-bit precision).
 */
class DatesFuzzTest {
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  @FuzzTest
  void readAndWrite(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    for (int at = 0; at <= text.length(); at++) {
      long seconds = Dates.read(text, at, text.length());
      if (seconds == -1) {
        continue;
      }
      if (seconds < 0 || seconds > 0xFFFFFFFCL || seconds % 4 != 0) {
        throw new AssertionError("read " + seconds + " at " + at + " of '" + text + "'");
      }
      StringBuilder again = new StringBuilder();
      Dates.write(again, seconds);
      if (!again.toString().equals(text.substring(at + 1, at + 6))) {
        throw new AssertionError("read " + seconds + " from '" + text.substring(at, at + 6) + "', writes " + again);
      }
    }

    long time = data.length >= 8 ? ByteBuffer.wrap(data).getLong() : text.hashCode();
    StringBuilder sb = new StringBuilder("|");
    Dates.write(sb, time);
    if (sb.length() != 6 || !sb.chars().skip(1).allMatch(c -> ALPHABET.indexOf(c) >= 0)) {
      throw new AssertionError("wrote '" + sb + "' for " + time);
    }
    long back = Dates.read(sb, 0, sb.length());
    if (back != ((time >> 2) & 0x3FFFFFFF) << 2) {
      throw new AssertionError("wrote " + time + " as '" + sb + "', read back " + back);
    }
  }
}
