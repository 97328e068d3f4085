"""Latency quantile sketches: DDSketch (the `ddsketch` library), 0.5% relative accuracy,
serialized with the library's own protobuf so rollup documents can be merged later."""

from __future__ import annotations

from typing import Any

SKETCH_RELATIVE_ACCURACY = 0.005


def new_sketch() -> Any:
    from ddsketch import DDSketch

    return DDSketch(relative_accuracy=SKETCH_RELATIVE_ACCURACY)


def sketch_to_bytes(sketch: Any) -> bytes:
    from ddsketch.pb.proto import DDSketchProto

    return DDSketchProto.to_proto(sketch).SerializeToString()


def sketch_from_bytes(raw: bytes) -> Any:
    from ddsketch.pb.ddsketch_pb2 import DDSketch as SketchMessage
    from ddsketch.pb.proto import DDSketchProto

    message = SketchMessage()
    message.ParseFromString(raw)
    return DDSketchProto.from_proto(message)
