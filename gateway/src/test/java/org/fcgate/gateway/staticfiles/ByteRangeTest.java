package org.fcgate.gateway.staticfiles;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangeTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "bytes=0-9        | 0-9",
        "bytes=5-         | 5-99",
        "bytes=-10        | 90-99",
        "bytes=-1000      | 0-99",
        "bytes=90-1000    | 90-99",
        "bytes=100-       | 416",
        "bytes=-0         | 416",
        "bytes=0-1,3-4    | whole",
        "bytes=9-1        | whole",
        "bytes=a-b        | whole",
        "items=0-1        | whole",
        "bytes=+1-2       | whole",
        "null             | whole",
    })
    void parsesSingleRangesOnly(String header, String expected) {
        ByteRange.Request r = ByteRange.parse(header, 100);
        String actual = r instanceof ByteRange.Request.Partial p ? p.range().first() + "-" + p.range().last()
                : r instanceof ByteRange.Request.Unsatisfiable ? "416" : "whole";
        assertThat(actual).isEqualTo(expected);
    }
}
