package org.fcgate.gateway.admin;

import java.util.List;
import java.util.Map;

/** The formats of php-fpm's status page, chosen by a query parameter's presence ({@code ?json}, {@code ?html}, …). */
enum StatusFormat {
    TEXT("text/plain;charset=UTF-8"),
    JSON("application/json"),
    HTML("text/html;charset=UTF-8"),
    XML("text/xml;charset=UTF-8"),
    OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

    private final String contentType;

    StatusFormat(String contentType) {
        this.contentType = contentType;
    }

    String contentType() {
        return contentType;
    }

    /** php-fpm's precedence: html, xml, json, openmetrics, else text. */
    static StatusFormat of(Map<String, List<String>> query) {
        if (query.containsKey("html")) {
            return HTML;
        } else if (query.containsKey("xml")) {
            return XML;
        } else if (query.containsKey("json")) {
            return JSON;
        } else if (query.containsKey("openmetrics")) {
            return OPENMETRICS;
        }
        return TEXT;
    }
}
