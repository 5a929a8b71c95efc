using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training.Ablation;

/// <summary>
/// The identity of a resolved recipe config: SHA-256 (lower-case hex) of its canonical JSON: object keys sorted
/// ordinally at every level, no white space, numbers and strings as the serialiser wrote them. The same config gives
/// the same hash whether it comes from the recipe (<see cref="Of(object)"/>) or from a run's <c>run.json</c> or
/// <c>config.json</c> (<see cref="Of(JsonNode)"/>).
/// </summary>
public static class ConfigHash
{
    public static string Of(object config) => Of(JsonSerializer.SerializeToNode(config, config.GetType(), Json.Options));

    public static string Of(JsonNode? config) => Convert.ToHexStringLower(SHA256.HashData(Canonical(config)));

    /// <summary>The canonical UTF-8 JSON that is hashed.</summary>
    public static byte[] Canonical(JsonNode? node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, node);
        return stream.ToArray();
    }

    static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null: writer.WriteNullValue(); break;
            case JsonObject o:
                writer.WriteStartObject();
                foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray a:
                writer.WriteStartArray();
                foreach (var item in a) Write(writer, item);
                writer.WriteEndArray();
                break;
            default: node.WriteTo(writer); break;
        }
    }
}
