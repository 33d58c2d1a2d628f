package org.fcgate.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of a Grafana dashboard (every panel target's {@code expr}, every query variable's {@code label_values}
 * selector) and what it names: metric names, and label matchers with fixed values. Enough PromQL to find names —
 * strings, selectors' braces, ranges and grouping clauses are removed first, then an identifier that is not a
 * function call or a keyword is a metric name — not a full parser.
 */
final class DashboardQueries {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*\\w+\\s*\\)$");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][\\w:]*");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][\\w:]*)\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private DashboardQueries() {
    }

    /** Every query of the dashboard: panel targets (rows' nested panels too) and query variables. */
    static List<String> of(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        collectPanels(dashboard.path("panels"), out);
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                String text = q.isObject() ? q.path("query").asText() : q.asText();
                Matcher m = LABEL_VALUES.matcher(text.trim());
                if (!m.matches()) {
                    throw new AssertionError("variable " + v.path("name").asText() + ": not label_values(SELECTOR, "
                            + "LABEL): " + text);
                }
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, List<String> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText("");
                if (expr.isBlank()) {
                    throw new AssertionError("panel '" + p.path("title").asText() + "' has a target without expr");
                }
                out.add(expr);
            }
            collectPanels(p.path("panels"), out);
        }
    }

    /** The metric names {@code expr} selects. */
    static Set<String> metricNames(String expr) {
        assertBalanced(expr);
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = s.replaceAll("\\{[^}]*}", " ");
        s = s.replaceAll("\\[[^]]*]", " ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            boolean call = s.substring(m.end()).matches("(?s)\\s*\\(.*");
            if (!call && !KEYWORDS.contains(id)) {
                names.add(id);
            }
        }
        return names;
    }

    /** A label matcher with a fixed value (no Grafana variable) on a named metric. */
    record LabelMatcher(String metric, String label, String op, String value) {

        /** Whether the scrape line {@code sample} (name, labels, value) satisfies this matcher. */
        boolean matches(String sample) {
            int brace = sample.indexOf('{');
            int space = sample.indexOf(' ');
            String name = sample.substring(0, brace >= 0 && brace < space ? brace : space);
            if (!name.equals(metric)) {
                return false;
            }
            Matcher l = Pattern.compile("\\b" + Pattern.quote(label) + "=\"((?:[^\"\\\\]|\\\\.)*)\"")
                    .matcher(brace >= 0 ? sample.substring(brace) : "");
            String actual = l.find() ? l.group(1) : "";
            return switch (op) {
                case "=" -> actual.equals(value);
                case "!=" -> !actual.equals(value);
                case "=~" -> actual.matches(value);
                case "!~" -> !actual.matches(value);
                default -> throw new IllegalStateException("op: " + op);
            };
        }

        @Override
        public String toString() {
            return metric + "{" + label + op + "\"" + value + "\"}";
        }
    }

    /** The matchers of {@code expr} whose value holds no Grafana variable ({@code $pool}, {@code $__rate_interval}). */
    static List<LabelMatcher> fixedMatchers(String expr) {
        List<LabelMatcher> out = new ArrayList<>();
        Matcher sel = SELECTOR.matcher(expr);
        while (sel.find()) {
            Matcher m = MATCHER.matcher(sel.group(2));
            while (m.find()) {
                if (!m.group(3).contains("$")) {
                    out.add(new LabelMatcher(sel.group(1), m.group(1), m.group(2), m.group(3)));
                }
            }
        }
        return out;
    }

    private static void assertBalanced(String expr) {
        StringBuilder open = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '(', '[', '{' -> open.append(c);
                case ')', ']', '}' -> {
                    char want = c == ')' ? '(' : c == ']' ? '[' : '{';
                    if (open.isEmpty() || open.charAt(open.length() - 1) != want) {
                        throw new AssertionError("unbalanced '" + c + "' at " + i + " in " + expr);
                    }
                    open.setLength(open.length() - 1);
                }
                default -> { }
            }
        }
        if (inString || !open.isEmpty()) {
            throw new AssertionError("unclosed " + (inString ? "string" : "'" + open + "'") + " in " + expr);
        }
    }
}
