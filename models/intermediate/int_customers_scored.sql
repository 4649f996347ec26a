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

recency_cut_points as (

    -- Cut points by aggregation, joined back: no window gathers every customer in one task (issue 18).
    -- Worst first, so the most recent, most frequent and highest spenders land in the top bucket.
    {{ rfm_lifecycle.rfm_cut_points('customers', 'recency_days', buckets, descending=true, levels=2) }}

),

frequency_cut_points as (

    {{ rfm_lifecycle.rfm_cut_points('customers', 'frequency', buckets, levels=2) }}

),

monetary_cut_points as (

    -- Money in whole cents, so the histogram reaches single values.
    {{ rfm_lifecycle.rfm_cut_points('customers', rfm_lifecycle.rfm_money_cents('monetary'), buckets, levels=4) }}

),

scored as (

    select
        customers.customer_id,
        {{ rfm_lifecycle.rfm_score_from_cut_points(
            'customers.recency_days', 'recency_cut_points', buckets, descending=true) }} as r_score,
        {{ rfm_lifecycle.rfm_score_from_cut_points('customers.frequency', 'frequency_cut_points', buckets) }}
            as f_score,
        {{ rfm_lifecycle.rfm_score_from_cut_points(
            rfm_lifecycle.rfm_money_cents('customers.monetary'), 'monetary_cut_points', buckets) }} as m_score

    from customers
    -- One row each: the cut points are broadcast to the customers.
    cross join recency_cut_points
    cross join frequency_cut_points
    cross join monetary_cut_points

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
