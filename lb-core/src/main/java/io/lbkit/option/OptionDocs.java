package io.lbkit.option;

import java.util.List;

/** Renders option definitions as documentation. */
public final class OptionDocs {
  private OptionDocs() {}

  /**
   * The README's configuration reference: one row per option, {@code | area | option | default |
   * meaning |}, the area written on the first row of each section.
   */
  public static String markdownTable(List<Option<?, ?>> options) {
    StringBuilder sb = new StringBuilder("| area | option | default | meaning |\n| --- | --- | --- | --- |\n");
    Section previous = null;
    for (Option<?, ?> o : options) {
      String area = o.section().equals(previous) ? "" : o.section().area();
      previous = o.section();
      sb.append(area.isEmpty() ? "| |" : "| " + area + " |").append(" `").append(o.name()).append("` | ")
          .append(o.defaultText() == null ? "—" : cell(o.defaultText())).append(" | ").append(cell(o.meaning()))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }
}
