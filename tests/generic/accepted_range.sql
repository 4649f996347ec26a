{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
{#- Rows whose value lies outside [min_value, max_value]; nulls pass (pair with not_null). -#}
select *
from {{ model }}
where
    {{ column_name }} is not null
    {%- if where %} and ({{ where }}){% endif %}
    and not (
        1 = 1
        {%- if min_value is not none %}
        and {{ column_name }} {{ '>=' if inclusive else '>' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and {{ column_name }} {{ '<=' if inclusive else '<' }} {{ max_value }}
        {%- endif %}
    )
{% endtest %}
