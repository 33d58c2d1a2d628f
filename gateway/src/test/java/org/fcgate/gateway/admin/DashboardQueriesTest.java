package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PromQL name extraction ObservabilityIT checks the Grafana dashboard with. */
class DashboardQueriesTest {

    @Test
    void namesAreSelectorsNotFunctionsKeywordsLabelsOrVariables() {
        assertThat(DashboardQueries.metricNames("histogram_quantile(0.99, sum by (le, route) "
                + "(rate(fcgate_a_bucket{instance=~\"$instance\", status=\"5xx\"}[$__rate_interval])))"))
                .containsExactly("fcgate_a_bucket");
        assertThat(DashboardQueries.metricNames("sum by (pool) (fcgate_b{state=\"busy\"}) / on (pool) group_left "
                + "sum by (pool) (fcgate_c) > bool 0.5 offset 5m"))
                .containsExactly("fcgate_b", "fcgate_c");
        assertThat(DashboardQueries.metricNames("sum(jvm_x{area=\"heap\"} > 0) or vector(0)"))
                .containsExactly("jvm_x");
    }

    @Test
    void fixedMatchersSkipGrafanaVariables() {
        List<DashboardQueries.LabelMatcher> m = DashboardQueries.fixedMatchers(
                "rate(fcgate_e_total{pool=~\"$pool\", reason=~\"crash|broken\"}[5m])");
        assertThat(m).extracting(Object::toString).containsExactly("fcgate_e_total{reason=~\"crash|broken\"}");
        assertThat(m.get(0).matches("fcgate_e_total{pool=\"app\",reason=\"broken\"} 1.0")).isTrue();
        assertThat(m.get(0).matches("fcgate_e_total{pool=\"app\",reason=\"idle\"} 1.0")).isFalse();
        assertThat(m.get(0).matches("fcgate_e_total_other{reason=\"crash\"} 1.0")).isFalse();
    }

    @Test
    void unbalancedExpressionsAreRefused() {
        assertThatThrownBy(() -> DashboardQueries.metricNames("sum(rate(x[5m])")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> DashboardQueries.metricNames("sum(x{a=\"b\")}")).hasMessageContaining("unbalanced");
    }

    @Test
    void queriesComeFromPanelsNestedPanelsAndLabelValuesVariables() throws Exception {
        var dashboard = new ObjectMapper().readTree("""
                {"panels": [{"targets": [{"expr": "a"}]},
                            {"type": "row", "panels": [{"targets": [{"expr": "b"}, {"expr": "c"}]}]}],
                 "templating": {"list": [{"type": "datasource", "query": "prometheus"},
                                         {"type": "query", "name": "pool",
                                          "query": {"query": "label_values(d{x=\\"1\\"}, pool)"}}]}}
                """);
        assertThat(DashboardQueries.of(dashboard)).containsExactly("a", "b", "c", "d{x=\"1\"}");
    }
}
