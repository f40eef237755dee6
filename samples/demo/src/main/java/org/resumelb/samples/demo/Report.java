package org.resumelb.samples.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The comparison table, as text for the console, as Markdown, and as an SVG chart. */
final class Report {

    record Row(String policy, LoadGenerator.Run run, int workers) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final String workload;

    Report(String workload) {
        this.workload = workload;
    }

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    private Row baseline() {
        return rows.stream().filter(r -> r.policy().equals("round-robin")).findFirst().orElse(null);
    }

    private static final String[] HEADER = {"policy", "req/s", "p50 ms", "p99 ms", "hit rate", "db loads/req", "max share",
            "req/s vs RR", "loads vs RR", "errors"};

    private List<String[]> cells() {
        Row base = baseline();
        List<String[]> out = new ArrayList<>();
        for (Row r : rows) {
            LoadGenerator.Run run = r.run();
            out.add(new String[] {
                    r.policy(),
                    f("%.0f", run.requestsPerSecond()),
                    f("%.2f", run.latencyMicros().getValueAtPercentile(50) / 1000.0),
                    f("%.2f", run.latencyMicros().getValueAtPercentile(99) / 1000.0),
                    f("%.1f%%", 100 * run.hitRate()),
                    f("%.2f", run.loadsPerRequest()),
                    f("%.2f", run.maxShare(r.workers())),
                    base == null ? "-" : f("%.2fx", run.requestsPerSecond() / base.run().requestsPerSecond()),
                    base == null || base.run().loadsPerRequest() == 0 ? "-" : f("%.2fx", run.loadsPerRequest() / base.run().loadsPerRequest()),
                    Long.toString(run.errors())});
        }
        return out;
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }

    String text() {
        List<String[]> cells = cells();
        int[] width = new int[HEADER.length];
        for (int i = 0; i < HEADER.length; i++) {
            width[i] = HEADER[i].length();
            for (String[] c : cells) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, HEADER, width);
        StringBuilder rule = new StringBuilder();
        for (int w : width) {
            rule.append("-".repeat(w)).append("  ");
        }
        b.append(rule.toString().stripTrailing()).append('\n');
        for (String[] c : cells) {
            line(b, c, width);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String[] c, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < c.length; i++) {
            l.append(i == 0 ? String.format("%-" + width[i] + "s", c[i]) : String.format("%" + width[i] + "s", c[i])).append("  ");
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# ResumeLB demo results\n\n").append(workload).append("\n\n|");
        for (String h : HEADER) {
            b.append(' ').append(h).append(" |");
        }
        b.append("\n|");
        for (int i = 0; i < HEADER.length; i++) {
            b.append(i == 0 ? "---|" : "---:|");
        }
        b.append('\n');
        for (String[] c : cells()) {
            b.append('|');
            for (String v : c) {
                b.append(' ').append(v).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Two bar panels: cache hit rate and database loads per request, one bar per policy. */
    String svg() {
        int barWidth = 60;
        int gap = 30;
        int panelWidth = rows.size() * (barWidth + gap) + gap;
        int height = 300;
        int chartHeight = 200;
        double maxLoads = rows.stream().mapToDouble(r -> r.run().loadsPerRequest()).max().orElse(1);
        if (maxLoads <= 0) {
            maxLoads = 1;
        }
        String[] colors = {"#8c8c8c", "#6baed6", "#fd8d3c", "#31a354"};
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                2 * panelWidth + 40, height + 40));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (int panel = 0; panel < 2; panel++) {
            int x0 = 20 + panel * (panelWidth + 20);
            String title = panel == 0 ? "cache hit rate (higher is better)" : "database loads per request (lower is better)";
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-weight=\"bold\">%s</text>\n", x0, title));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                    x0, 40 + chartHeight, x0 + panelWidth, 40 + chartHeight));
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                double value = panel == 0 ? r.run().hitRate() : r.run().loadsPerRequest() / maxLoads;
                String label = panel == 0 ? f("%.1f%%", 100 * r.run().hitRate()) : f("%.2f", r.run().loadsPerRequest());
                int h = (int) Math.round(value * chartHeight);
                int x = x0 + gap + i * (barWidth + gap);
                int y = 40 + chartHeight - h;
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                        x, y, barWidth, h, colors[i % colors.length]));
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                        x + barWidth / 2, y - 4, label));
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                        x + barWidth / 2, 40 + chartHeight + 16, r.policy()));
            }
        }
        b.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" fill=\"#555\">%s</text>\n", height + 30,
                workload.replace("&", "&amp;").replace("<", "&lt;")));
        return b.append("</svg>\n").toString();
    }
}
