using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistillKit.Viz.Plotly;

/// <summary>
/// Serialisation of the figure model to plotly.js JSON: property names are the C# names in lower case (plotly.js
/// attributes are lower-case words run together: <c>showlegend</c>, <c>colorscale</c>, <c>scaleanchor</c>), null
/// properties are left out, and non-finite numbers become <c>null</c> (a gap for plotly.js).
/// </summary>
public static class PlotlyJson
{
    /// <summary>The serializer options used for every figure.</summary>
    public static readonly JsonSerializerOptions Options = Create(false);

    /// <summary>As <see cref="Options"/>, indented.</summary>
    public static readonly JsonSerializerOptions IndentedOptions = Create(true);

    static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = new LowerCaseNamingPolicy(),
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
        };
        o.Converters.Add(new FiniteDoubleConverter());
        o.Converters.Add(new FiniteFloatConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    sealed class LowerCaseNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }

    sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }

        public override bool HandleNull => true;
    }

    sealed class FiniteFloatConverter : JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }

        public override bool HandleNull => true;
    }
}
