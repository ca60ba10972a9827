package io.lbkit.standalone;

import java.util.Map;

/** The short guide {@code --demo} prints on start: what runs where, and what to type. */
final class Guide {
  private Guide() {}

  static String text(String url, Demo demo, Map<String, String> params) {
    String n = System.lineSeparator();
    String jar = "/tmp/lbkit-cookies.txt";
    String cookie = params.getOrDefault("cookie", Demo.COOKIE);
    String stats = params.getOrDefault("stats-uri", Demo.STATS_URI);
    String slots = params.getOrDefault("slots", "5");
    StringBuilder replicas = new StringBuilder();
    for (Demo.Replica r : demo.replicas()) {
      replicas.append(replicas.length() == 0 ? "" : ", ").append(r.name()).append(' ').append(r.authority());
    }
    if (replicas.length() == 0) {
      replicas.append("none yet (scale up below)");
    }
    StringBuilder sb = new StringBuilder();
    sb.append(n).append("lbkit demo: \"sticky load balancing in Docker Swarm\", replayed on this machine").append(n)
        .append(n)
        .append("  DNS server     ").append(demo.nameserver()).append("  answers ").append(Demo.SERVICE)
        .append(" (A) and ").append(Demo.SRV_NAME).append(" (SRV)").append(n)
        .append("                 dig @127.0.0.1 -p ").append(demo.dnsPort()).append(" +short ").append(Demo.SERVICE)
        .append(String.valueOf(params.get("backend")).startsWith("_") ? ""
            : "   (SRV discovery instead: --demo --backend " + Demo.SRV_NAME + ")").append(n)
        .append("  replicas       ").append(replicas).append(n)
        .append("  load balancer  ").append(url).append("/  resolves ").append(params.get("backend"))
        .append(" there: ").append(slots).append(" slots, hold timers ").append(params.getOrDefault("hold-valid", "10s"))
        .append(", health checks (").append(params.getOrDefault("check", "off")).append("), sticky cookie ")
        .append(cookie).append(n)
        .append("  stats page     ").append(url).append(stats).append("  (JSON: ").append(url).append(stats)
        .append("?format=json)").append(n)
        .append(n)
        .append("Round robin: without a cookie, each request goes to the next replica").append(n)
        .append("  for i in 1 2 3 4 5 6; do curl -s ").append(url).append("/ | grep Hostname; done").append(n)
        .append("  curl -s ").append(url).append("/          # the whole answer, with X-Forwarded-For").append(n)
        .append(n)
        .append("Sticky: with a cookie jar, every request lands on the same replica").append(n)
        .append("  for i in 1 2 3 4 5; do curl -s -b ").append(jar).append(" -c ").append(jar).append(' ').append(url)
        .append("/ | grep Hostname; done").append(n)
        .append("  grep ").append(cookie).append(' ').append(jar)
        .append("      # a keyed hash: no address inside, cannot be forged").append(n)
        .append(n)
        .append("Delete the cookie: the next request moves to another replica, then sticks there").append(n)
        .append("  rm ").append(jar).append(n)
        .append("  (in a browser: open ").append(url).append("/ and reload, then delete the ").append(cookie)
        .append(" cookie in the developer tools)").append(n)
        .append(n)
        .append("WebSocket: a page whose socket goes through the balancer, sticky like the page").append(n)
        .append("  in a browser: ").append(url).append("/websocket   (reload: same replica; delete the ")
        .append(cookie).append(" cookie: it moves)").append(n)
        .append(n)
        .append("Scale, like 'docker service scale web_whoami=5' (0..").append(Cli.MAX_REPLICAS).append(')').append(n)
        .append("  curl -s -X POST '").append(url).append(DemoControls.PATH).append("?replicas=5'").append(n)
        .append("  new replicas are UP on the stats page within a few seconds; removed ones leave after hold-obsolete (")
        .append(params.getOrDefault("hold-obsolete", "10s")).append(')').append(n)
        .append(n)
        .append("Stats page (refreshes every ").append(params.getOrDefault("stats-refresh", "5s")).append(')')
        .append(n)
        .append("  in a browser: ").append(url).append(stats).append("   or   curl -s '").append(url).append(stats)
        .append("?format=json'").append(n)
        .append(n)
        .append("Ctrl-C stops everything (requests in flight finish first).").append(n);
    return sb.toString();
  }
}
