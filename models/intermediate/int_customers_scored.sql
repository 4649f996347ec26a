{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set buckets = settings.score_buckets -%}

{#-
    R, F and M scores from 1 to score_buckets (the best = score_buckets) for
    every customer with at least one order. Prospects and refund-only
    customers have nothing to rank and get no scores.
-#}

with

customers as (

    select * from {{ ref('int_customers_aggregated') }}
    where lifetime_orders >= 1

),

scored as (

    select
        customer_id,
        -- Worst first, so the most recent, most frequent and highest spenders land in the top bucket.
        {{ rfm_lifecycle.rfm_tie_safe_ntile('recency_days desc', buckets) }} as r_score,
        {{ rfm_lifecycle.rfm_tie_safe_ntile('frequency asc', buckets) }} as f_score,
        {{ rfm_lifecycle.rfm_tie_safe_ntile('monetary asc', buckets) }} as m_score

    from customers

),

final as (

    select
        customer_id,
        r_score,
        f_score,
        m_score,
        {%- set separator = "''" if buckets <= 9 else "'-'" %}
        {{ dbt.concat([
            'cast(r_score as ' ~ dbt.type_string() ~ ')', separator,
            'cast(f_score as ' ~ dbt.type_string() ~ ')', separator,
            'cast(m_score as ' ~ dbt.type_string() ~ ')',
        ]) }} as rfm_cell,
        {{ dbt.concat([
            rfm_lifecycle.rfm_score_letter('r_score', buckets), "'-'",
            rfm_lifecycle.rfm_score_letter('f_score', buckets), "'-'",
            rfm_lifecycle.rfm_score_letter('m_score', buckets),
        ]) }} as rfm_key

    from scored

)

select * from final
