package org.fcgate.fcgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every FastCGI 1.0 constant against the values of the specification, §8. */
class ConstantsTest {

    @ParameterizedTest(name = "FCGI_{0} = {1}")
    @CsvSource({
            "BEGIN_REQUEST, 1, false",
            "ABORT_REQUEST, 2, false",
            "END_REQUEST, 3, false",
            "PARAMS, 4, false",
            "STDIN, 5, false",
            "STDOUT, 6, false",
            "STDERR, 7, false",
            "DATA, 8, false",
            "GET_VALUES, 9, true",
            "GET_VALUES_RESULT, 10, true",
            "UNKNOWN_TYPE, 11, true"})
    void recordTypeHasSpecValue(RecordType type, int code, boolean management) {
        assertThat(type.code()).isEqualTo(code);
        assertThat(type.isManagement()).isEqualTo(management);
        assertThat(RecordType.ofCode(code)).isSameAs(type);
        assertThat(RecordType.describe(code)).isEqualTo(type.name());
    }

    @Test
    void recordTypesAreExactlyTheElevenOfTheSpec() {
        assertThat(RecordType.values()).hasSize(11);
        assertThat(RecordType.ofCode(0)).isNull();
        assertThat(RecordType.ofCode(12)).isNull();
        assertThat(RecordType.ofCode(0x7F)).isNull();
        assertThat(RecordType.ofCode(255)).isNull();
        assertThat(RecordType.ofCode(-1)).isNull();
        assertThat(RecordType.describe(0x7F)).isEqualTo("type 127");
    }

    @ParameterizedTest(name = "FCGI_{0} = {1}")
    @CsvSource({"RESPONDER, 1", "AUTHORIZER, 2", "FILTER, 3"})
    void roleHasSpecValue(Role role, int code) {
        assertThat(role.code()).isEqualTo(code);
        assertThat(Role.ofCode(code)).isSameAs(role);
    }

    @Test
    void undefinedRolesAreNull() {
        assertThat(Role.values()).hasSize(3);
        assertThat(Role.ofCode(0)).isNull();
        assertThat(Role.ofCode(4)).isNull();
        assertThat(Role.ofCode(0x0101)).isNull();
    }

    @ParameterizedTest(name = "FCGI_{0} = {1}")
    @CsvSource({"REQUEST_COMPLETE, 0", "CANT_MPX_CONN, 1", "OVERLOADED, 2", "UNKNOWN_ROLE, 3"})
    void protocolStatusHasSpecValue(ProtocolStatus status, int code) {
        assertThat(status.code()).isEqualTo(code);
        assertThat(ProtocolStatus.ofCode(code)).isSameAs(status);
    }

    @Test
    void undefinedProtocolStatusesAreNull() {
        assertThat(ProtocolStatus.values()).hasSize(4);
        assertThat(ProtocolStatus.ofCode(4)).isNull();
        assertThat(ProtocolStatus.ofCode(255)).isNull();
    }

    @Test
    void numericConstantsHaveSpecValues() {
        assertThat(Fcgi.VERSION_1).isEqualTo(1);
        assertThat(Fcgi.HEADER_LEN).isEqualTo(8);
        assertThat(Fcgi.KEEP_CONN).isEqualTo(1);
        assertThat(Fcgi.NULL_REQUEST_ID).isEqualTo(0);
        assertThat(Fcgi.LISTENSOCK_FILENO).isEqualTo(0);
        assertThat(Fcgi.MAX_CONTENT_LENGTH).isEqualTo(65535);
        assertThat(Fcgi.MAX_PADDING_LENGTH).isEqualTo(255);
        assertThat(Fcgi.MAX_REQUEST_ID).isEqualTo(65535);
        assertThat(Fcgi.FIXED_BODY_LEN).isEqualTo(8);
    }

    @Test
    void getValuesNamesAreSpelledAsInTheSpec() {
        assertThat(Fcgi.MAX_CONNS).isEqualTo("FCGI_MAX_CONNS");
        assertThat(Fcgi.MAX_REQS).isEqualTo("FCGI_MAX_REQS");
        assertThat(Fcgi.MPXS_CONNS).isEqualTo("FCGI_MPXS_CONNS");
    }

    @ParameterizedTest(name = "content {0} -> padding {1}")
    @CsvSource({"0, 0", "1, 7", "5, 3", "7, 1", "8, 0", "9, 7", "338, 6", "65535, 1"})
    void paddingAlignsTo8(int contentLength, int padding) {
        assertThat(Fcgi.paddingFor(contentLength)).isEqualTo(padding);
        assertThat(RecordEncoder.recordSize(contentLength)).isEqualTo(8 + contentLength + padding);
    }
}
