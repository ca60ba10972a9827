package io.lbkit.standalone;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The balancer's servers, as {@code <stats-uri>?format=json} reports them. */
record Stats(List<Srv> servers) {
  record Srv(String name, String address, Integer port, String status, int active, String cookie) {}

  static Stats fetch(HttpClient client, URI statsJson) throws Exception {
    HttpResponse<String> r = StandaloneProcess.get(client, statsJson, Map.of());
    if (r.statusCode() != 200) {
      throw new AssertionError("stats: " + r.statusCode() + " " + r.body());
    }
    List<Srv> list = new ArrayList<>();
    for (Object b : Json.array(Json.object(Json.parse(r.body())).get("backends"))) {
      for (Object s : Json.array(Json.object(b).get("servers"))) {
        Map<String, Object> m = Json.object(s);
        Double port = (Double) m.get("port");
        Double active = (Double) m.get("active");
        list.add(new Srv((String) m.get("name"), (String) m.get("address"), port == null ? null : port.intValue(),
            (String) m.get("status"), active == null ? 0 : active.intValue(), (String) m.get("cookie")));
      }
    }
    return new Stats(list);
  }

  /** Addresses of the servers that are UP. */
  Set<String> up() {
    Set<String> set = new TreeSet<>();
    for (Srv s : servers) {
      if ("UP".equals(s.status()) && s.address() != null) {
        set.add(s.address());
      }
    }
    return set;
  }

  /** Addresses of every server that holds one (UP, DOWN or draining), i.e. slots still taken. */
  Set<String> addressed() {
    Set<String> set = new TreeSet<>();
    for (Srv s : servers) {
      if (s.address() != null) {
        set.add(s.address());
      }
    }
    return set;
  }

  int active() {
    return servers.stream().mapToInt(Srv::active).sum();
  }
}
