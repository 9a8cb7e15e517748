import protobuf from 'protobufjs';

/** The import path Envoy's OpenTelemetry access logger names (envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto). */
export const OPENTELEMETRY_COMMON_PROTO = 'opentelemetry/proto/common/v1/common.proto';

/**
 * The messages of OpenTelemetry's common.proto (opentelemetry-proto, Apache-2.0) that Envoy's
 * OpenTelemetry access-log config uses, with their field numbers. @grpc/grpc-js-xds ships Envoy's
 * protos but not OpenTelemetry's, so they are given to protobufjs here as a bundled definition.
 */
const COMMON_V1 = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: {
              nested: {
                v1: {
                  nested: {
                    AnyValue: {
                      oneofs: { value: { oneof: ['string_value', 'bool_value', 'int_value', 'double_value', 'array_value', 'kvlist_value', 'bytes_value'] } },
                      fields: {
                        string_value: { type: 'string', id: 1 },
                        bool_value: { type: 'bool', id: 2 },
                        int_value: { type: 'int64', id: 3 },
                        double_value: { type: 'double', id: 4 },
                        array_value: { type: 'ArrayValue', id: 5 },
                        kvlist_value: { type: 'KeyValueList', id: 6 },
                        bytes_value: { type: 'bytes', id: 7 },
                      },
                    },
                    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
                    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
                    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** Lets a protobufjs root load files that import OpenTelemetry's common.proto by its path. */
export function registerOpenTelemetryCommonProto(): void {
  protobuf.common(OPENTELEMETRY_COMMON_PROTO, COMMON_V1);
}
