package io.lbkit.dns;

import io.lbkit.internal.HostPort;
import io.lbkit.option.OptionException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code nameserver} settings and {@code /etc/resolv.conf}. */
final class Nameservers {
  static final int DNS_PORT = 53;
  private static final String EXPECTED = "ip[:port] or [ipv6]:port";

  private Nameservers() {}

  /** {@code ip[:port]} items separated by commas or spaces; IPv6 as {@code [v6]:port} or a bare literal. */
  static List<InetSocketAddress> parseList(String text) {
    List<InetSocketAddress> out = new ArrayList<>();
    if (text != null) {
      for (String part : text.split("[,\\s]+")) {
        if (!part.isEmpty()) {
          out.add(parse(part));
        }
      }
    }
    if (out.isEmpty()) {
      throw new OptionException("nameserver", text, EXPECTED + "[,...]");
    }
    return out;
  }

  /** One nameserver: an IP literal (never a name: resolving it would need DNS), port 53 unless given. */
  static InetSocketAddress parse(String text) {
    HostPort hp = HostPort.parse("nameserver", text, 1, DNS_PORT, EXPECTED);
    InetAddress address = hp.literal();
    if (address == null) {
      throw new OptionException("nameserver", text, EXPECTED);
    }
    return new InetSocketAddress(address, hp.port());
  }

  /**
   * The {@code nameserver} lines of a resolv.conf file, port 53, in file order; lines that are
   * not IP literals are skipped.
   */
  static List<InetSocketAddress> fromResolvConf(Path file) throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String l = line.trim();
      if (!l.startsWith("nameserver")) {
        continue;
      }
      String[] words = l.split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver")) {
        InetAddress a = HostPort.literal(words[1]);
        if (a != null) {
          out.add(new InetSocketAddress(a, DNS_PORT));
        }
      }
    }
    return out;
  }

  static String format(InetSocketAddress a) {
    String ip = a.getAddress().getHostAddress();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }
}
