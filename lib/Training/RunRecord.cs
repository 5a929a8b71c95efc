using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training;

/// <summary>The record every run writes beside its checkpoints: seed, preset, config, library version, timing, metrics;
/// replaced whole (<see cref="Runtime.AtomicFile"/>).</summary>
public static class RunRecord
{
    public static void Write(string path, string stage, long seed, string preset, string configJson, DateTime started, TrainResult result, object metrics)
    {
        var record = new JsonObject
        {
            ["stage"] = stage,
            ["preset"] = preset,
            ["seed"] = seed,
            ["library"] = LibraryInfo.Version,
            ["started_utc"] = started.ToString("o"),
            ["finished_utc"] = DateTime.UtcNow.ToString("o"),
            ["steps"] = result.StepsDone,
            ["completed"] = result.Completed,
            ["train_seconds_this_session"] = Math.Round(result.Seconds, 2),
            ["last_checkpoint"] = result.LastCheckpoint,
            ["config"] = JsonNode.Parse(configJson),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics, Json.Options),
        };
        Runtime.AtomicFile.WriteText(path, "the run record", record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
